import type { ServiceIdentifier } from 'inversify';

/** Settings of the SQLite ledger; the clock comes from the `CLOCK` binding. */
export interface SqliteLedgerSettings {
  /** A file path, or `:memory:` for a private database that disappears on close. */
  readonly path: string;
  /**
   * FULL (the default) syncs the WAL on every commit: a committed append survives power loss.
   * NORMAL syncs only at checkpoints: faster, and a crash of the machine may lose the last
   * commits (never the process: the WAL is already written).
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock before failing; default 5000. */
  readonly busyTimeoutMs?: number;
  /** The most events one `readAll` returns, and the page size of rebuilds; default 1000. */
  readonly readPageSize?: number;
  /**
   * Appends issued in the same tick share one transaction (one fsync); default true. False
   * commits each request on its own, the baseline `npm run bench` compares group commit with.
   */
  readonly groupCommit?: boolean;
  /**
   * Open for reading only (an auditor's read-only mount, an archived copy): no migrations, no
   * WAL switch, and appends refused with `LEDGER_READ_ONLY`. The file must exist and have the
   * current schema.
   */
  readonly readOnly?: boolean;
}

export const SQLITE_LEDGER_OPTIONS: ServiceIdentifier<SqliteLedgerSettings> =
  Symbol.for('gtx.SqliteLedgerOptions');

export const SQLITE_LEDGER_DEFAULTS = {
  synchronous: 'FULL',
  busyTimeoutMs: 5000,
  readPageSize: 1000,
  groupCommit: true,
} as const satisfies Required<Omit<SqliteLedgerSettings, 'path' | 'readOnly'>>;
