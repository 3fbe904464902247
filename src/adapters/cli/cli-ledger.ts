import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ledger } from '../../application/ports/index.js';
import { GtxError } from '../../domain/index.js';
import type { CliIo } from './cli-io.js';
import { readSettings } from './cli-runtime.js';
import type { CliServices } from './cli-services.js';

/** The ledger a read-only command works on: --ledger, else GTX_LEDGER, else ./gtx-ledger.db. */
export function resolveLedgerPath(io: CliIo, ledgerOption: string | undefined): string {
  return ledgerOption ?? readSettings(io).GTX_LEDGER;
}

/** Opens an existing ledger; a read-only command must not create an empty one at a typo. */
export function openCliLedger(
  services: CliServices,
  io: CliIo,
  ledgerOption: string | undefined,
): Ledger {
  const path = resolve(io.cwd, resolveLedgerPath(io, ledgerOption));
  if (!existsSync(path)) {
    throw new GtxError('LEDGER_NOT_FOUND', `no ledger at ${path} (set --ledger or GTX_LEDGER)`);
  }
  return services.openLedger(path);
}
