/**
 * `gtx send --file FILE|-`: a batch of NDJSON commands, every line accounted for in line order,
 * with deterministic default ids so that sending the same file twice sends nothing twice.
 */
import type { Clock } from '../../../application/ports/index.js';
import type { CommandIdReusedError } from '../../../application/transmission/command-fingerprint.js';
import type { TransmissionOutcome } from '../../../application/transmission/transmission-outcome.js';
import { GtxError } from '../../../domain/index.js';
import type { CliRuntime } from '../cli-runtime.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import {
  countLines,
  fileSha256,
  openNdjsonFile,
  readNdjsonCommands,
  type BadLine,
} from '../ndjson-commands.js';
import { OrderedLines } from '../ordered-lines.js';
import { describeOutcome, plural } from '../outcome-format.js';
import { startProgress } from '../progress.js';

export type BatchSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin'; readonly input: NodeJS.ReadableStream };

export interface BatchOptions {
  readonly json: boolean;
  /** Default ids are `BATCH_ID-LINE`; without it, `batch-<file sha256, 16 hex>-LINE`. */
  readonly batchId?: string;
  /** Lines without an id get a new UUID each run (sending the file twice sends it twice). */
  readonly randomIds: boolean;
}

type LineStatus = TransmissionOutcome['status'] | 'refused' | 'badLine' | 'blank';

/** One line's result in `--json`: its id and outcome, or why it was not a command. */
export interface LineResult {
  readonly line: number;
  readonly status: LineStatus;
  readonly commandId?: string;
  readonly duplicate?: boolean;
  readonly codes?: readonly string[];
  readonly problem?: string;
}

interface Tally {
  lines: number;
  delivered: number;
  rejected: number;
  deadLettered: number;
  refused: number;
  badLines: number;
  blankLines: number;
  duplicates: number;
  /** Rejected commands with each violation code (a command counts once per code). */
  rejectedByCode: Record<string, number>;
}

const BATCH_ID = /^[A-Za-z0-9._:-]{1,200}$/;

async function defaultIdPrefix(source: BatchSource, options: BatchOptions): Promise<string | null> {
  if (options.randomIds) return null;
  if (options.batchId !== undefined) {
    if (!BATCH_ID.test(options.batchId)) {
      throw new GtxError(
        'USAGE',
        '--batch-id must be 1 to 200 of A-Z a-z 0-9 . _ : - (it starts every default command id)',
      );
    }
    return options.batchId;
  }
  if (source.kind === 'stdin') {
    throw new GtxError(
      'USAGE',
      '--file - needs --batch-id NAME (or --random-ids): standard input cannot be hashed before it is sent, and lines without an id need a stable one',
    );
  }
  return `batch-${(await fileSha256(source.path)).slice(0, 16)}`;
}

function summaryLines(tally: Tally, ledgerPath: string): string[] {
  const parts = [
    `${tally.delivered} delivered`,
    `${tally.rejected} rejected`,
    `${tally.deadLettered} dead-lettered`,
    ...(tally.refused > 0
      ? [`${tally.refused} refused (id already used for another command)`]
      : []),
    plural(tally.badLines, 'bad line'),
    ...(tally.blankLines > 0 ? [`${plural(tally.blankLines, 'blank line')} skipped`] : []),
  ];
  const lines = [`${plural(tally.lines, 'line')}: ${parts.join(', ')}`];
  if (tally.duplicates > 0) {
    lines.push(
      `  ${plural(tally.duplicates, 'command')} already in the ledger: nothing sent again, the recorded outcome counted`,
    );
  }
  const codes = Object.entries(tally.rejectedByCode).sort(([a], [b]) => a.localeCompare(b));
  if (codes.length > 0) {
    lines.push(
      `  violations in the rejected commands: ${codes.map(([code, n]) => `${code} ${n}`).join(', ')}`,
    );
  }
  lines.push(`ledger: ${ledgerPath}`);
  return lines;
}

function exitCodeOf(tally: Tally): ExitCode {
  if (tally.deadLettered > 0) return EXIT.deadLettered;
  if (tally.refused > 0) return EXIT.idReused;
  if (tally.rejected > 0 || tally.badLines > 0) return EXIT.rejected;
  return EXIT.ok;
}

export async function sendBatch(
  io: CliIo,
  runtime: CliRuntime,
  clock: Clock,
  source: BatchSource,
  options: BatchOptions,
): Promise<ExitCode> {
  const prefix = await defaultIdPrefix(source, options);
  const total = source.kind === 'file' ? await countLines(source.path) : 0;
  const progress = startProgress(io, { label: 'sending', total, clock });
  const ordered = new OrderedLines((text) => {
    if (!options.json) progress.note(text);
  });
  const tally: Tally = {
    lines: 0,
    delivered: 0,
    rejected: 0,
    deadLettered: 0,
    refused: 0,
    badLines: 0,
    blankLines: 0,
    duplicates: 0,
    rejectedByCode: {},
  };
  const results: LineResult[] = [];
  // A file may name one id on several lines: each of them gets the id's outcome, in order.
  const linesOf = new Map<string, number[]>();
  let done = 0;
  const settle = (result: LineResult, notes: readonly string[]): void => {
    done += 1;
    progress.update(done);
    if (options.json) results.push(result);
    ordered.settle(result.line, notes);
  };
  const takeLine = (commandId: string): number => {
    const lines = linesOf.get(commandId) ?? [];
    const line = lines.shift() ?? 0;
    if (lines.length === 0) linesOf.delete(commandId);
    return line;
  };
  const onBadLine = (bad: BadLine): void => {
    tally.badLines += 1;
    settle({ line: bad.line, status: 'badLine', problem: bad.problem }, [
      `line ${bad.line}: not a command: ${bad.problem}`,
    ]);
  };
  const onBlankLine = (line: number): void => {
    tally.blankLines += 1;
    settle({ line, status: 'blank' }, [`line ${line}: blank, skipped`]);
  };
  const onOutcome = (outcome: TransmissionOutcome): void => {
    const line = takeLine(outcome.commandId);
    tally[outcome.status] += 1;
    if (outcome.duplicate) tally.duplicates += 1;
    const codes =
      outcome.status === 'rejected' ? [...new Set(outcome.violations.map((v) => v.code))] : [];
    for (const code of codes) tally.rejectedByCode[code] = (tally.rejectedByCode[code] ?? 0) + 1;
    const notes =
      outcome.status === 'delivered'
        ? []
        : describeOutcome(outcome).map((text) => `line ${line}: ${text.trim()}`);
    settle(
      {
        line,
        status: outcome.status,
        commandId: outcome.commandId,
        duplicate: outcome.duplicate,
        ...(codes.length === 0 ? {} : { codes }),
      },
      notes,
    );
  };
  const onRefused = (commandId: string, error: CommandIdReusedError): void => {
    const line = takeLine(commandId);
    tally.refused += 1;
    settle({ line, status: 'refused', commandId, problem: error.message }, [
      `line ${line}: refused: ${error.code}: ${error.message}`,
    ]);
  };
  const input = source.kind === 'file' ? openNdjsonFile(source.path) : source.input;
  async function* commands() {
    const reading = {
      onBadLine,
      onBlankLine,
      ...(prefix === null ? {} : { defaultId: (line: number) => `${prefix}-${line}` }),
    };
    for await (const parsed of readNdjsonCommands(input, runtime.transmitter, reading)) {
      const lines = linesOf.get(parsed.command.commandId) ?? [];
      lines.push(parsed.line);
      linesOf.set(parsed.command.commandId, lines);
      yield parsed.command;
    }
  }
  try {
    await runtime.transmitter.submitMany(commands(), { onOutcome, onRefused });
  } finally {
    ordered.flush();
    progress.stop();
  }
  tally.lines = done;
  if (options.json) {
    results.sort((a, b) => a.line - b.line);
    const { lines, ...counts } = tally;
    writeLine(
      io.stdout,
      JSON.stringify({
        ...counts,
        lines,
        total: lines - tally.blankLines,
        ...(prefix === null ? {} : { batchId: prefix }),
        badLineDetails: results
          .filter((r) => r.status === 'badLine')
          .map((r) => ({ line: r.line, problem: r.problem })),
        results,
        ledger: runtime.ledgerPath,
      }),
    );
  } else {
    for (const line of summaryLines(tally, runtime.ledgerPath)) writeLine(io.stdout, line);
  }
  return exitCodeOf(tally);
}
