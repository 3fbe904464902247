import { type Command, InvalidArgumentError } from 'commander';
import {
  LedgerCopyError,
  type LedgerCopySummary,
} from '../../../application/ledger/ledger-copy.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT } from '../exit-codes.js';
import { startTerminalProgress } from '../progress.js';
import { CliExit, type CommandRegistrar } from '../run-cli.js';

interface CopyOptions {
  readonly from: string;
  readonly to: string;
  readonly resume?: boolean;
  readonly pageSize?: number;
  readonly json?: boolean;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError('must be a whole number of at least 1');
  }
  return value;
}

function describeCopy(summary: LedgerCopySummary): string {
  const resumed =
    summary.alreadyCopied === 0 ? '' : ` after the ${summary.alreadyCopied} already there`;
  return `copied ${summary.events} events${resumed}, ${summary.guestKeys} guest keys, ${summary.checkpoints} checkpoints; head ${summary.head.position} ${summary.head.hash}`;
}

async function copy(io: CliIo, services: CliServices, options: CopyOptions): Promise<void> {
  const progress = startTerminalProgress(io, {
    label: 'copy',
    total: 0,
    clock: services.clock,
    ...(options.json === undefined ? {} : { json: options.json }),
  });
  let summary: LedgerCopySummary;
  try {
    summary = await services.copyLedger({
      from: options.from,
      to: options.to,
      cwd: io.cwd,
      ...(options.resume === true ? { resume: true } : {}),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      ...(progress === null
        ? {}
        : {
            onProgress: ({ copied, total }) => {
              progress.update(copied, total);
            },
          }),
    });
  } catch (error) {
    progress?.stop();
    if (error instanceof LedgerCopyError && error.code === 'LEDGER_COPY_SOURCE_BROKEN') {
      writeLine(io.stderr, `gtx ledger copy: ${error.code}: ${error.message}`);
      throw new CliExit(EXIT.ledgerBroken);
    }
    throw error;
  }
  progress?.stop();
  if (options.json === true) writeLine(io.stdout, JSON.stringify(summary));
  else writeLine(io.stdout, describeCopy(summary));
}

export const registerLedger: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  const ledger = program
    .command('ledger')
    .description('move a ledger between engines (SQLite file, PostgreSQL)');
  ledger
    .command('copy')
    .description(
      'copy every event, keeping positions, times and hashes, with the guest keys (still wrapped: use the same master key) and feed checkpoints, into an empty ledger; the source is verified page by page as it is read',
    )
    .requiredOption('--from <ledger>', 'the ledger to copy: a file path or postgres://… URL')
    .requiredOption('--to <ledger>', 'the empty ledger to fill: a file path or postgres://… URL')
    .option('--resume', 'continue a copy that stopped (the target must be a prefix of the source)')
    .option('--page-size <n>', 'events per read and per write transaction', positiveInteger)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Exit codes: 0 copied; 1 bad usage, a target that is not empty (LEDGER_COPY_TARGET_NOT_EMPTY) or
not a prefix to resume (LEDGER_COPY_TARGET_DIVERGES); 5 the source does not verify
(LEDGER_COPY_SOURCE_BROKEN: nothing after the break is written).
Run \`gtx audit verify --ledger <to>\` on the copy afterwards.`,
    )
    .action((options: CopyOptions) => copy(io, services, options));
};
