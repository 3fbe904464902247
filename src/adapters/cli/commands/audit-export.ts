import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseExportFilter, type ExportFilter } from '../../../application/audit/export-filter.js';
import {
  EXPORT_FORMATS,
  writeExport,
  type ExportOptions as WriteExportOptions,
  type ExportFormat,
  type ExportSummary,
  type RowViewer,
} from '../../../application/audit/ledger-export.js';
import { isGtxError } from '../../../domain/index.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT } from '../exit-codes.js';
import { startTerminalProgress, type Progress } from '../progress.js';
import { CliExit } from '../run-cli.js';
import { existingLedgerTarget } from '../cli-ledger.js';
import { streamSink, writeAtomically } from './audit-files.js';

interface ExportOptions {
  readonly ledger?: string;
  readonly format: ExportFormat;
  readonly since?: string;
  readonly until?: string;
  readonly stream: string[];
  readonly guest: string[];
  readonly type: string[];
  readonly out?: string;
  readonly reveal?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--guest` as the ledger stores guest ids: keyed hashes on a pseudonymised ledger. */
async function storedGuestsOf(
  services: CliServices,
  io: CliIo,
  path: string,
  filter: ExportFilter,
): Promise<ExportFilter> {
  if (filter.guests === undefined || filter.guests.length === 0) return filter;
  const lookup = services.openGuestLookup(io, path);
  try {
    const { pseudonymiser } = lookup;
    const guests = await Promise.all(filter.guests.map((guest) => pseudonymiser.guestId(guest)));
    return { ...filter, guests };
  } finally {
    await lookup.close();
  }
}

function exportOptionsWith(
  format: ExportFormat,
  filter: ExportFilter,
  viewer: RowViewer | undefined,
  progress: Progress | null,
): WriteExportOptions {
  return {
    format,
    filter,
    ...(viewer === undefined ? {} : { viewer }),
    ...(progress === null
      ? {}
      : {
          onProgress: (position: number, headPosition: number) => {
            progress.update(position, headPosition);
          },
        }),
  };
}

async function exportLedger(
  io: CliIo,
  services: CliServices,
  options: ExportOptions,
): Promise<void> {
  const typedFilter = parseExportFilter({
    since: options.since,
    until: options.until,
    streams: options.stream,
    guests: options.guest,
    types: options.type,
  });
  const clock = services.clock;
  const path = existingLedgerTarget(io, options.ledger);
  const filter = await storedGuestsOf(services, io, path, typedFilter);
  // Rows are exported as stored (sealed content); --reveal adds each row's decrypted view.
  const opened = options.reveal === true ? services.openPersonalDataViewer(io, path) : undefined;
  const viewer: RowViewer | undefined = opened?.viewer;
  const ledger = services.openLedger(path, { readOnly: true });
  let progress: Progress | null = null;
  let summary: ExportSummary;
  try {
    // The head bounds the bar: a filtered export moves through the same positions.
    progress = startTerminalProgress(io, {
      label: 'exporting',
      total: (await ledger.events.head()).position,
      clock,
    });
    const exportOptions = exportOptionsWith(options.format, filter, viewer, progress);
    summary =
      options.out === undefined
        ? await writeExport(ledger.events, clock, exportOptions, streamSink(io.stdout))
        : await writeAtomically(resolve(io.cwd, options.out), {}, (file) =>
            writeExport(ledger.events, clock, exportOptions, file),
          );
  } catch (error) {
    if (isGtxError(error) && error.code === 'LEDGER_CORRUPT') {
      writeLine(
        io.stderr,
        `gtx: ${error.code}: ${error.message} (run gtx audit verify; nothing was written)`,
      );
      throw new CliExit(EXIT.ledgerBroken);
    }
    throw error;
  } finally {
    progress?.stop();
    await ledger.close();
    await opened?.close();
  }
  if (options.out !== undefined) {
    const range =
      summary.count === 0
        ? 'no events'
        : `${summary.count} events, positions ${summary.firstPosition ?? '?'}..${summary.lastPosition ?? '?'}`;
    const kind = summary.header.partial ? 'partial (filtered)' : 'full';
    writeLine(
      io.stdout,
      `exported ${range} (${kind}, ledger head ${summary.header.head.position}) to ${resolve(io.cwd, options.out)}`,
    );
  }
}

/** `gtx audit export`. */
export function registerAuditExport(audit: Command, io: CliIo, services: CliServices): void {
  audit
    .command('export')
    .description('write events with positions, prev hash and hash as NDJSON or CSV, streaming')
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('ndjson'),
    )
    .option(
      '--since <iso>',
      'only events recorded at or after this time (2026-03-01, 2026-03-01T09:00:00Z)',
    )
    .option('--until <iso>', 'only events recorded before this time')
    .option('--stream <id>', 'only this stream (repeatable)', collect, [])
    .option(
      '--guest <id>',
      'only transmission streams of this guest id, as sent (repeatable; on a pseudonymised ledger hashed with its key first, which needs the master key)',
      collect,
      [],
    )
    .option('--type <type>', 'only events of this type (repeatable)', collect, [])
    .option('--out <file>', 'write to this file atomically instead of standard output')
    .option(
      '--reveal',
      'add a "view" to each row with its personal content decrypted (or shown as erased); needs the master key',
    )
    .action(async (options: ExportOptions) => {
      await exportLedger(io, services, options);
    });
}
