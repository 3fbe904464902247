/**
 * Looking for secrets in every spelling they could leak in: a secret written to a log as base64
 * or inside a URL is as leaked as the raw one. Used by secrets.test.ts.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** One spelling of one secret, named for the report. */
export interface SecretSpelling {
  readonly what: string;
  readonly bytes: Buffer;
}

/** A place searched, named for the report. */
export interface ScannedPlace {
  readonly where: string;
  readonly bytes: Buffer;
}

function distinct(spellings: readonly SecretSpelling[]): SecretSpelling[] {
  const seen = new Set<string>();
  return spellings.filter((spelling) => {
    const key = spelling.bytes.toString('hex');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A text secret (a client secret, a token, an API key): as is, URL-encoded, JSON-escaped, and
 * base64, base64url and hex of its UTF-8 bytes.
 */
export function textSpellings(what: string, value: string): SecretSpelling[] {
  const utf8 = Buffer.from(value, 'utf8');
  return distinct([
    { what, bytes: utf8 },
    { what: `${what} (URL-encoded)`, bytes: Buffer.from(encodeURIComponent(value)) },
    { what: `${what} (JSON-escaped)`, bytes: Buffer.from(JSON.stringify(value).slice(1, -1)) },
    { what: `${what} (base64)`, bytes: Buffer.from(utf8.toString('base64')) },
    { what: `${what} (base64url)`, bytes: Buffer.from(utf8.toString('base64url')) },
    { what: `${what} (hex)`, bytes: Buffer.from(utf8.toString('hex')) },
  ]);
}

/** Key bytes (the master key, a webhook key): raw, base64 (and URL-encoded), base64url, hex. */
export function keySpellings(what: string, key: Buffer): SecretSpelling[] {
  const base64 = key.toString('base64');
  return distinct([
    { what: `${what} (bytes)`, bytes: key },
    { what: `${what} (base64)`, bytes: Buffer.from(base64) },
    { what: `${what} (base64, URL-encoded)`, bytes: Buffer.from(encodeURIComponent(base64)) },
    { what: `${what} (base64url)`, bytes: Buffer.from(key.toString('base64url')) },
    { what: `${what} (hex)`, bytes: Buffer.from(key.toString('hex')) },
    { what: `${what} (HEX)`, bytes: Buffer.from(key.toString('hex').toUpperCase()) },
  ]);
}

/** `Authorization: Basic` of a client: base64 of `id:secret`, as the SDK sends it. */
export function basicHeaderSpellings(clientId: string, clientSecret: string): SecretSpelling[] {
  const credentials = Buffer.from(`${clientId}:${clientSecret}`, 'utf8');
  const base64 = credentials.toString('base64');
  const what = 'Basic credentials (base64 of id:secret)';
  return distinct([
    { what, bytes: Buffer.from(base64) },
    { what: `${what}, URL-encoded`, bytes: Buffer.from(encodeURIComponent(base64)) },
    { what: `${what} as base64url`, bytes: Buffer.from(credentials.toString('base64url')) },
  ]);
}

/** Every "what in where" found. */
export function findLeaks(
  places: readonly ScannedPlace[],
  secrets: readonly SecretSpelling[],
): string[] {
  const found: string[] = [];
  for (const place of places) {
    for (const secret of secrets) {
      if (place.bytes.includes(secret.bytes)) found.push(`${secret.what} in ${place.where}`);
    }
  }
  return found;
}

/** A SQLite value as better-sqlite3 returns it: text, a number, a bigint, a blob or null. */
function cellBytes(value: string | number | bigint | Buffer | null): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value === null) return Buffer.alloc(0);
  return Buffer.from(typeof value === 'string' ? value : value.toString(), 'utf8');
}

/**
 * Every table of a SQLite file, found through `sqlite_master` rather than a list of ours (so a
 * table added later is searched too), each as one place: its rows' cells, text as UTF-8 and blobs
 * as they are. The file and its WAL are read from a private copy, so a live writer's file is
 * neither locked nor changed.
 */
export function sqliteTables(path: string, label: string): ScannedPlace[] {
  const dir = mkdtempSync(join(tmpdir(), 'gtx-scan-'));
  try {
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    const db = new Database(copy);
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all() as string[];
      return tables.map((table) => {
        const rows = db
          .prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`)
          .raw()
          .all();
        const cells = (rows as Parameters<typeof cellBytes>[0][][]).flat().map(cellBytes);
        return { where: `${label} table ${table}`, bytes: Buffer.concat(cells) };
      });
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A file's bytes as a place, or null when the file is not there. */
export function fileIfPresent(path: string, where: string): ScannedPlace | null {
  return existsSync(path) ? { where, bytes: readFileSync(path) } : null;
}
