import type { LedgerCopyCommand } from '../adapters/cli/cli-services.js';
import {
  copyLedger,
  LedgerCopyError,
  type LedgerCopySummary,
} from '../application/ledger/ledger-copy.js';
import type { Clock } from '../application/ports/index.js';
import { describeLedgerLocation, parseLedgerLocation } from '../adapters/config/ledger-location.js';
import { openLedgerStores } from './ledger-stores.js';

/** `gtx ledger copy`: opens both ledgers by location and copies one into the other. */
export async function copyLedgerBetween(
  command: LedgerCopyCommand,
  clock: Clock,
): Promise<LedgerCopySummary> {
  const from = parseLedgerLocation(command.from, command.cwd);
  const to = parseLedgerLocation(command.to, command.cwd);
  if (describeLedgerLocation(from) === describeLedgerLocation(to)) {
    throw new LedgerCopyError(
      'LEDGER_COPY_SAME_LEDGER',
      `--from and --to are the same ledger (${describeLedgerLocation(from)})`,
    );
  }
  const source = openLedgerStores(from, clock, { mustExist: true });
  try {
    const target = openLedgerStores(to, clock);
    try {
      return await copyLedger(
        {
          events: source.ledger.events,
          guestKeys: source.guestKeys,
          checkpoints: source.checkpoints,
        },
        {
          events: target.ledger.events,
          importStoredRows: (rows) => target.importStoredRows(rows),
          rebuildProjections: () => target.finishImport(),
          guestKeys: target.guestKeys,
          checkpoints: target.checkpoints,
        },
        {
          ...(command.resume === true ? { resume: true } : {}),
          ...(command.pageSize === undefined ? {} : { pageSize: command.pageSize }),
          ...(command.onProgress === undefined ? {} : { onProgress: command.onProgress }),
        },
      );
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
