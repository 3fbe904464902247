import { copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { asyncScheduler } from 'rxjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import type { AuditFailureReason } from '../../../src/application/audit/audit-chain.js';
import { verifyExport } from '../../../src/application/audit/export-verification.js';
import { writeExport } from '../../../src/application/audit/ledger-export.js';
import { verifyLedger } from '../../../src/application/audit/ledger-verification.js';
import { canonicalJson } from '../../../src/application/ledger/canonical-json.js';
import { chainHash, GENESIS_HASH } from '../../../src/application/ledger/hash-chain.js';
import type { Clock } from '../../../src/application/ports/clock.port.js';
import type { LedgerHead } from '../../../src/application/ports/event-store.port.js';
import { makeLedgerFile, openForTampering, T0, tempDir, type TempDir } from './audit-fixture.js';

const clock: Clock = { now: () => T0 + 86_400_000, scheduler: asyncScheduler };

interface RawRow {
  position: number;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

const SELECT_ROWS = `SELECT global_position AS position, stream_id AS streamId,
  stream_version AS streamVersion, event_type AS type, schema_version AS schemaVersion,
  data, metadata, recorded_at AS recordedAt, prev_hash AS prevHash, hash
  FROM events ORDER BY global_position`;

let tmp: TempDir;
let base: string;
let rows: RawRow[];
let n: number;
let digest: LedgerHead;
let copies = 0;

beforeAll(async () => {
  tmp = tempDir('gtx-audit-tamper-');
  base = tmp.path('base.db');
  await makeLedgerFile(base, 8);
  const reader = new Database(base, { readonly: true });
  rows = reader.prepare(SELECT_ROWS).all() as RawRow[];
  reader.close();
  n = rows.length;
  const last = rows.at(-1);
  if (last === undefined) throw new Error('the base ledger is empty');
  // The digest an auditor took before anyone touched the file.
  digest = { position: last.position, hash: last.hash };
});

afterAll(() => {
  tmp.remove();
});

function row(position: number): RawRow {
  const found = rows[position - 1];
  if (found === undefined) throw new Error(`no row ${position}`);
  return found;
}

type Column =
  | 'stream_id'
  | 'stream_version'
  | 'event_type'
  | 'schema_version'
  | 'data'
  | 'metadata'
  | 'recorded_at'
  | 'prev_hash'
  | 'hash'
  | 'global_position';

const COLUMNS: readonly Column[] = [
  'stream_id',
  'stream_version',
  'event_type',
  'schema_version',
  'data',
  'metadata',
  'recorded_at',
  'prev_hash',
  'hash',
  'global_position',
];

type Tamper =
  | { kind: 'change'; position: number; column: Column; variant: number; wrongType: boolean }
  | { kind: 'delete'; position: number }
  | { kind: 'swap'; first: number; second: number }
  | { kind: 'truncate'; from: number }
  | { kind: 'forge'; position: number; variant: number }
  | { kind: 'rewrite'; position: number; variant: number };

function newValue(column: Column, old: RawRow, variant: number): string | number {
  switch (column) {
    case 'stream_id':
      return `${old.streamId}-x${variant}`;
    case 'stream_version':
      return old.streamVersion + 1000 + variant;
    case 'event_type':
      return `${old.type}Forged`;
    case 'schema_version':
      return old.schemaVersion + 1 + variant;
    case 'data':
      return variant % 4 === 0
        ? '{not json'
        : canonicalJson({ ...(JSON.parse(old.data) as object), tampered: variant });
    case 'metadata':
      return canonicalJson({ ...(JSON.parse(old.metadata) as object), by: `mallory-${variant}` });
    case 'recorded_at':
      return new Date(Date.parse(old.recordedAt) + 1 + variant).toISOString();
    case 'prev_hash':
    case 'hash':
      return chainHash(String(variant), { ...old, data: null, metadata: {} });
    case 'global_position':
      return n + 100 + variant;
  }
}

/** The reasons each kind of change may be reported with (all at the changed position). */
const REASONS: Readonly<Record<Column, readonly AuditFailureReason[]>> = {
  stream_id: ['hashMismatch', 'streamVersionOutOfOrder'],
  stream_version: ['streamVersionOutOfOrder'],
  event_type: ['hashMismatch', 'unreadableRow'],
  schema_version: ['hashMismatch', 'unreadableRow'],
  data: ['hashMismatch', 'unreadableRow'],
  metadata: ['hashMismatch'],
  recorded_at: ['hashMismatch'],
  prev_hash: ['prevHashMismatch'],
  hash: ['hashMismatch'],
  global_position: ['positionGap'],
};

function apply(path: string, tamper: Tamper): void {
  const db = openForTampering(path);
  try {
    db.transaction(() => {
      switch (tamper.kind) {
        case 'change': {
          const value = tamper.wrongType
            ? tamper.column === 'stream_version' || tamper.column === 'schema_version'
              ? 'not a number'
              : // A blob: TEXT affinity would turn a number into text, but keeps a blob a blob.
                Buffer.from('not text')
            : newValue(tamper.column, row(tamper.position), tamper.variant);
          db.prepare(`UPDATE events SET ${tamper.column} = ? WHERE global_position = ?`).run(
            value,
            tamper.position,
          );
          break;
        }
        case 'delete':
          db.prepare('DELETE FROM events WHERE global_position = ?').run(tamper.position);
          break;
        case 'swap': {
          const move = db.prepare(
            'UPDATE events SET global_position = ? WHERE global_position = ?',
          );
          move.run(-1, tamper.first);
          move.run(tamper.first, tamper.second);
          move.run(tamper.second, -1);
          break;
        }
        case 'truncate':
          db.prepare('DELETE FROM events WHERE global_position >= ?').run(tamper.from);
          break;
        case 'forge': {
          // Make room, then a row whose hash is right for its place: only its successor breaks.
          db.prepare(
            'UPDATE events SET global_position = -global_position - 1 WHERE global_position >= ?',
          ).run(tamper.position);
          db.prepare(
            'UPDATE events SET global_position = -global_position WHERE global_position < 0',
          ).run();
          const prevHash = tamper.position === 1 ? GENESIS_HASH : row(tamper.position - 1).hash;
          const forged = {
            position: tamper.position,
            streamId: `forged-${tamper.variant}`,
            streamVersion: 1,
            type: 'NoteTaken',
            schemaVersion: 1,
            data: { n: tamper.variant, text: 'never happened' },
            metadata: {},
            recordedAt: row(tamper.position).recordedAt,
          };
          db.prepare(
            `INSERT INTO events VALUES (@position, @streamId, @streamVersion, @type, @schemaVersion,
             @data, @metadata, @recordedAt, @prevHash, @hash)`,
          ).run({
            ...forged,
            data: canonicalJson(forged.data),
            metadata: canonicalJson(forged.metadata),
            prevHash,
            hash: chainHash(prevHash, forged),
          });
          break;
        }
        case 'rewrite': {
          // A consistent rewrite: one row changed and every later hash recomputed.
          let prevHash = tamper.position === 1 ? GENESIS_HASH : row(tamper.position - 1).hash;
          const update = db.prepare(
            'UPDATE events SET data = @data, prev_hash = @prevHash, hash = @hash WHERE global_position = @position',
          );
          for (let position = tamper.position; position <= n; position += 1) {
            const old = row(position);
            const data: unknown =
              position === tamper.position
                ? { ...(JSON.parse(old.data) as object), rewritten: tamper.variant }
                : JSON.parse(old.data);
            const hash = chainHash(prevHash, {
              ...old,
              data,
              metadata: JSON.parse(old.metadata) as Record<string, string>,
            });
            update.run({ position, data: canonicalJson(data), prevHash, hash });
            prevHash = hash;
          }
          break;
        }
      }
    })();
  } finally {
    db.close();
  }
}

interface Expected {
  /** Against the ledger alone: null when the change cannot be seen without a digest. */
  readonly alone: { position: number; reasons: readonly AuditFailureReason[] } | null;
  readonly withDigest: { position: number; reasons: readonly AuditFailureReason[] };
}

function expected(tamper: Tamper): Expected {
  const both = (position: number, reasons: readonly AuditFailureReason[]): Expected => ({
    alone: { position, reasons },
    withDigest: { position, reasons },
  });
  switch (tamper.kind) {
    case 'change':
      return both(tamper.position, tamper.wrongType ? ['unreadableRow'] : REASONS[tamper.column]);
    case 'delete':
      return tamper.position === n
        ? { alone: null, withDigest: { position: n, reasons: ['truncated'] } }
        : both(tamper.position, ['positionGap']);
    case 'swap':
      return both(tamper.first, ['hashMismatch', 'streamVersionOutOfOrder']);
    case 'truncate':
      return { alone: null, withDigest: { position: n, reasons: ['truncated'] } };
    case 'forge':
      // Forged in place of the last row, the digest's own row no longer matches it.
      return tamper.position === n
        ? {
            alone: { position: n + 1, reasons: ['hashMismatch'] },
            withDigest: { position: n, reasons: ['checkpointMismatch'] },
          }
        : both(tamper.position + 1, ['hashMismatch']);
    case 'rewrite':
      return { alone: null, withDigest: { position: n, reasons: ['checkpointMismatch'] } };
  }
}

function tamperArbitrary(): fc.Arbitrary<Tamper> {
  const position = fc.integer({ min: 1, max: n });
  const variant = fc.nat({ max: 1000 });
  return fc.oneof(
    fc
      .record({
        kind: fc.constant('change' as const),
        position,
        column: fc.constantFrom(...COLUMNS),
        variant,
        wrongType: fc.boolean(),
      })
      .filter((t) => !(t.wrongType && t.column === 'global_position')),
    fc.record({ kind: fc.constant('delete' as const), position }),
    fc
      .tuple(position, position)
      .filter(([a, b]) => a !== b)
      .map(([a, b]) => ({ kind: 'swap' as const, first: Math.min(a, b), second: Math.max(a, b) })),
    fc.record({ kind: fc.constant('truncate' as const), from: fc.integer({ min: 2, max: n }) }),
    fc.record({ kind: fc.constant('forge' as const), position, variant }),
    fc.record({ kind: fc.constant('rewrite' as const), position, variant }),
  );
}

async function verifyFile(path: string, checkpoints: readonly LedgerHead[], pageSize: number) {
  const ledger = openSqliteLedger({ path, clock });
  try {
    return await verifyLedger(ledger.events, { checkpoints, pageSize });
  } finally {
    await ledger.close();
  }
}

function freshCopy(): string {
  copies += 1;
  const path = tmp.path(`copy-${copies}.db`);
  copyFileSync(base, path);
  return path;
}

describe('verify against a tampered SQLite ledger file', () => {
  it('an untouched ledger always verifies, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), async (pageSize) => {
        const result = await verifyFile(base, [digest], pageSize);
        expect(result).toEqual({
          ok: true,
          count: n,
          firstPosition: 1,
          lastPosition: n,
          headHash: digest.hash,
        });
      }),
      { numRuns: 15 },
    );
  });

  it('every change is detected and named by position and reason; the digest catches the rest', async () => {
    await fc.assert(
      fc.asyncProperty(
        tamperArbitrary(),
        fc.integer({ min: 1, max: 40 }),
        async (tamper, pageSize) => {
          const path = freshCopy();
          apply(path, tamper);
          const want = expected(tamper);
          const alone = await verifyFile(path, [], pageSize);
          if (want.alone === null) {
            expect(alone.ok).toBe(true);
          } else {
            expect(alone).toMatchObject({ ok: false, position: want.alone.position });
            if (!alone.ok) expect(want.alone.reasons).toContain(alone.reason);
            if (!alone.ok) expect(alone.count).toBe(want.alone.position - 1);
          }
          const withDigest = await verifyFile(path, [digest], pageSize);
          expect(withDigest).toMatchObject({ ok: false, position: want.withDigest.position });
          if (!withDigest.ok) expect(want.withDigest.reasons).toContain(withDigest.reason);
        },
      ),
      { numRuns: 120 },
    );
  });
});

// ---- export files --------------------------------------------------------------------------

async function exportText(filter: Parameters<typeof writeExport>[2]['filter']): Promise<string> {
  const ledger = openSqliteLedger({ path: base, clock });
  let text = '';
  try {
    await writeExport(
      ledger.events,
      clock,
      { format: 'ndjson', filter },
      {
        write: (chunk) => {
          text += chunk;
          return Promise.resolve();
        },
      },
    );
  } finally {
    await ledger.close();
  }
  return text;
}

/** The lines of a file, as `verifyExport` reads them from a stream. */
async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield await Promise.resolve(line);
}

type LineTamper =
  | { kind: 'field'; index: number; field: string; variant: number }
  | { kind: 'delete'; index: number }
  | { kind: 'swap'; first: number; second: number }
  | { kind: 'cut'; keep: number }
  | { kind: 'forge'; index: number; variant: number };

const FIELDS = [
  'streamId',
  'type',
  'recordedAt',
  'data',
  'metadata',
  'prevHash',
  'hash',
  'streamVersion',
];

function tamperLines(lines: readonly string[], tamper: LineTamper): string[] {
  // lines: header, rows…, trailer. Indexes below are row indexes (0-based).
  const out = [...lines];
  const rowLine = (index: number): Record<string, unknown> =>
    JSON.parse(out[index + 1] ?? 'null') as Record<string, unknown>;
  switch (tamper.kind) {
    case 'field': {
      const value = rowLine(tamper.index);
      const old = value[tamper.field];
      value[tamper.field] =
        typeof old === 'number'
          ? old + 1000 + tamper.variant
          : typeof old === 'string'
            ? tamper.field.endsWith('ash')
              ? chainHash(String(tamper.variant), {
                  position: 1,
                  streamId: 'x',
                  streamVersion: 1,
                  type: 't',
                  schemaVersion: 1,
                  data: null,
                  metadata: {},
                  recordedAt: '',
                })
              : `${old}~${tamper.variant}`
            : { ...(old as object), tampered: tamper.variant };
      out[tamper.index + 1] = JSON.stringify(value);
      return out;
    }
    case 'delete':
      out.splice(tamper.index + 1, 1);
      return out;
    case 'swap': {
      const a = out[tamper.first + 1] ?? '';
      out[tamper.first + 1] = out[tamper.second + 1] ?? '';
      out[tamper.second + 1] = a;
      return out;
    }
    case 'cut':
      return out.slice(0, tamper.keep + 1);
    case 'forge': {
      const next = rowLine(tamper.index);
      const prevHash = String(next.prevHash);
      const forged = {
        position: Number(next.position),
        streamId: `forged-${tamper.variant}`,
        streamVersion: 1,
        type: 'NoteTaken',
        schemaVersion: 1,
        recordedAt: String(next.recordedAt),
        data: { forged: tamper.variant },
        metadata: {},
      };
      out.splice(
        tamper.index + 1,
        0,
        JSON.stringify({ ...forged, prevHash, hash: chainHash(prevHash, forged) }),
      );
      return out;
    }
  }
}

function lineTamperArbitrary(rowCount: number): fc.Arbitrary<LineTamper> {
  const index = fc.integer({ min: 0, max: rowCount - 1 });
  const variant = fc.nat({ max: 1000 });
  return fc.oneof(
    fc.record({
      kind: fc.constant('field' as const),
      index,
      field: fc.constantFrom(...FIELDS),
      variant,
    }),
    fc.record({ kind: fc.constant('delete' as const), index }),
    fc
      .tuple(index, index)
      .filter(([a, b]) => a !== b)
      .map(([a, b]) => ({ kind: 'swap' as const, first: Math.min(a, b), second: Math.max(a, b) })),
    fc.record({ kind: fc.constant('cut' as const), keep: fc.integer({ min: 0, max: rowCount }) }),
    fc.record({ kind: fc.constant('forge' as const), index, variant }),
  );
}

describe.each([
  { name: 'a full export', filter: {} },
  { name: 'a partial export (one guest)', filter: { guests: ['guest-c1'] } },
  {
    name: 'a partial export (notes since 09:02)',
    filter: { types: ['NoteTaken'], since: '2026-03-01T09:02:00.000Z' },
  },
])('verify --file against $name', ({ filter }) => {
  let lines: string[];
  let positions: number[];

  beforeAll(async () => {
    lines = (await exportText(filter)).trimEnd().split('\n');
    positions = lines
      .slice(1, -1)
      .map((line) => (JSON.parse(line) as { position: number }).position);
  });

  it('verifies untouched, and against the digest', async () => {
    const result = await verifyExport(linesOf(lines.join('\n')), { checkpoints: [digest] });
    expect(result).toMatchObject({
      ok: true,
      count: positions.length,
      partial: Object.keys(filter).length > 0,
    });
  });

  it('detects every tampered line, naming the row where it has one', async () => {
    await fc.assert(
      fc.asyncProperty(lineTamperArbitrary(positions.length), async (tamper) => {
        const result = await verifyExport(linesOf(tamperLines(lines, tamper).join('\n')));
        expect(result.ok).toBe(false);
        if (tamper.kind === 'field' && !result.ok) {
          expect(result.position).toBe(positions[tamper.index]);
          expect(result.line).toBe(tamper.index + 2);
        }
        if (tamper.kind === 'swap' && !result.ok) {
          expect(result.line).toBeLessThanOrEqual(tamper.second + 2);
        }
      }),
      { numRuns: 150 },
    );
  });
});
