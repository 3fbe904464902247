import { resolve } from 'node:path';

/** Where a ledger lives: a SQLite file (the embedded default) or a PostgreSQL database. */
export type LedgerLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** `GTX_LEDGER` / `--ledger`: a `postgres://` URL, else a file path relative to `cwd`. */
export function parseLedgerLocation(text: string, cwd: string): LedgerLocation {
  if (POSTGRES_URL.test(text)) return { kind: 'postgres', url: text };
  return { kind: 'sqlite', path: resolve(cwd, text) };
}

/** The location for messages and logs: a URL's password is never shown. */
export function describeLedgerLocation(location: LedgerLocation): string {
  if (location.kind === 'sqlite') return location.path;
  try {
    const url = new URL(location.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(an unreadable URL)';
  }
}
