import { resolve } from 'node:path';
import { ConfigurationError } from './environment-settings.js';

/** Where a ledger lives: a SQLite file (the embedded default) or a PostgreSQL schema. */
export type LedgerLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      /** The connection URL as the driver takes it (our `schema` parameter removed). */
      readonly url: string;
      /** From the URL's `?schema=` parameter; default `gtx`. */
      readonly schema: string;
    };

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;
export const DEFAULT_POSTGRES_SCHEMA = 'gtx';

/**
 * `GTX_LEDGER` / `--ledger`: a `postgres://user@host:5432/db?schema=gtx` URL, else a file path
 * relative to `cwd`. The schema travels in the URL so that one setting names the whole ledger.
 */
export function parseLedgerLocation(text: string, cwd: string): LedgerLocation {
  if (text === ':memory:') return { kind: 'sqlite', path: text };
  if (!POSTGRES_URL.test(text.trim())) return { kind: 'sqlite', path: resolve(cwd, text) };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigurationError(
      'GTX_LEDGER',
      'is a postgres:// URL that does not parse (expected postgres://user:password@host:5432/database?schema=gtx)',
    );
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_POSTGRES_SCHEMA;
  url.searchParams.delete('schema');
  return { kind: 'postgres', url: url.toString(), schema };
}

/** The location for messages and logs: a URL's password is never shown. */
export function describeLedgerLocation(location: LedgerLocation): string {
  if (location.kind === 'sqlite') return location.path;
  const url = new URL(location.url);
  if (url.password !== '') url.password = '***';
  if (location.schema !== DEFAULT_POSTGRES_SCHEMA) url.searchParams.set('schema', location.schema);
  return url.toString();
}

export function isDatabaseLedger(text: string): boolean {
  return POSTGRES_URL.test(text.trim());
}
