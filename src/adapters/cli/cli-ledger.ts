import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ledger } from '../../application/ports/index.js';
import { GtxError } from '../../domain/index.js';
import type { CliIo } from './cli-io.js';
import { readSettings } from './cli-runtime.js';
import type { CliServices } from './cli-services.js';
import { isDatabaseLedger } from '../config/ledger-location.js';

/** The ledger a read-only command works on: --ledger, else GTX_LEDGER, else ./gtx-ledger.db. */
export function resolveLedgerPath(io: CliIo, ledgerOption: string | undefined): string {
  return ledgerOption ?? readSettings(io).GTX_LEDGER;
}

/**
 * The ledger a command works on, ready to open: a file path made absolute, or a postgres:// URL
 * as given. A file must exist: a read-only command must not create an empty one at a typo.
 */
export function existingLedgerTarget(io: CliIo, ledgerOption: string | undefined): string {
  const target = resolveLedgerPath(io, ledgerOption);
  if (isDatabaseLedger(target)) return target;
  const path = resolve(io.cwd, target);
  if (!existsSync(path)) {
    throw new GtxError('LEDGER_NOT_FOUND', `no ledger at ${path} (set --ledger or GTX_LEDGER)`);
  }
  return path;
}

/** Opens an existing ledger (see `existingLedgerTarget`). */
export function openCliLedger(
  services: CliServices,
  io: CliIo,
  ledgerOption: string | undefined,
): Ledger {
  return services.openLedger(existingLedgerTarget(io, ledgerOption));
}
