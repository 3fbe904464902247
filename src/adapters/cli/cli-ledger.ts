import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GtxError } from '../../domain/index.js';
import { SystemClock } from '../clock/system-clock.js';
import { openSqliteEventLedger, type SqliteEventLedger } from '../sqlite/sqlite-event-ledger.js';
import type { CliIo } from './cli-io.js';
import { readSettings } from './cli-runtime.js';

/** The ledger a read-only command works on: --ledger, else GTX_LEDGER, else ./gtx-ledger.db. */
export function resolveLedgerPath(io: CliIo, ledgerOption: string | undefined): string {
  return ledgerOption ?? readSettings(io).GTX_LEDGER;
}

export function openCliLedger(io: CliIo, ledgerOption: string | undefined): SqliteEventLedger {
  return openSqliteEventLedger({
    path: resolveLedgerPath(io, ledgerOption),
    clock: new SystemClock(),
  });
}
