import type { Command } from 'commander';
import type { DeadLetterEntry } from '../../../application/redrive/dead-letter-listing.js';
import type { RedriveResult } from '../../../application/redrive/redrive-service.js';
import type { Transmitter } from '../../../application/transmitter.js';
import type { TransmissionOutcome } from '../../../application/transmission/transmission-outcome.js';
import { GtxError, isGtxError } from '../../../domain/index.js';
import { paintOutcome, styleOf } from '../cli-style.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { describeOutcome, exitCodeForOutcome } from '../outcome-format.js';
import { CliExit, type CommandRegistrar } from '../run-cli.js';
import {
  listDeadLetters,
  parseDeadLetterFilter,
} from '../../../application/redrive/dead-letter-listing.js';
import { openCliLedger } from '../cli-ledger.js';

interface ListOptions {
  since?: string;
  code?: string;
  ledger?: string;
  json?: boolean;
}

interface RedriveOptions {
  all?: boolean;
  code?: string;
  reason: string;
  operator?: string;
  redriveId?: string;
  wait: boolean;
  ledger?: string;
  sandbox?: boolean;
  json?: boolean;
}

const LEDGER_HELP =
  'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)';

function usage(message: string): GtxError {
  return new GtxError('USAGE', message);
}

function lastFailureText(entry: DeadLetterEntry): string {
  const last = entry.lastFailure;
  if (last === null) return '-';
  return [last.kind, last.status === null ? null : String(last.status), last.code]
    .filter((part) => part !== null)
    .join(' ');
}

const COLUMNS: readonly [string, (entry: DeadLetterEntry) => string][] = [
  ['DEAD-LETTERED AT', (e) => e.deadLetteredAt],
  ['COMMAND ID', (e) => e.commandId],
  ['KIND', (e) => e.kind],
  ['CONVERSATION', (e) => e.conversationRef],
  ['REASON', (e) => e.reason],
  ['LAST FAILURE', lastFailureText],
  ['ATTEMPTS', (e) => String(e.attempts)],
  ['REDRIVES', (e) => String(e.redrives)],
];

/** A table padded to its widest cell; the last column is not padded. */
function table(entries: readonly DeadLetterEntry[]): string[] {
  const rows = [
    COLUMNS.map(([title]) => title),
    ...entries.map((e) => COLUMNS.map(([, f]) => f(e))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

async function list(io: CliIo, services: CliServices, options: ListOptions): Promise<void> {
  const filter = parseDeadLetterFilter({ since: options.since, code: options.code });
  const ledger = openCliLedger(services, io, options.ledger);
  try {
    const entries: DeadLetterEntry[] = [];
    for await (const entry of listDeadLetters(ledger, filter)) {
      if (options.json === true) writeLine(io.stdout, JSON.stringify(entry));
      else entries.push(entry);
    }
    if (options.json === true) return;
    if (entries.length === 0) {
      writeLine(io.stdout, 'no dead letters');
      return;
    }
    for (const line of table(entries)) writeLine(io.stdout, line);
  } finally {
    await ledger.close();
  }
}

/** `--operator`, else the login name the environment gives. */
function operatorOf(io: CliIo, options: RedriveOptions): string {
  const operator = options.operator ?? io.env['USER'] ?? io.env['USERNAME'];
  if (operator === undefined || operator.trim().length === 0) {
    throw usage('--operator is required: USER is not set to name who re-drives');
  }
  return operator;
}

/** The command ids to re-drive: the arguments, or every matching dead letter for `--all`. */
async function targetsOf(
  transmitter: Transmitter,
  ids: readonly string[],
  options: RedriveOptions,
): Promise<string[]> {
  if (options.all !== true) return [...ids];
  const targets: string[] = [];
  // Erased content can never be sent again: --all leaves it out rather than refuse it.
  for await (const entry of transmitter.deadLetters({ code: options.code })) {
    if (entry.reason !== 'contentErased') targets.push(entry.commandId);
  }
  return targets;
}

const NOT_REDRIVABLE: ReadonlySet<string> = new Set(['REDRIVE_NOT_ALLOWED', 'COMMAND_UNKNOWN']);

interface RedriveTally {
  refused: number;
  /** Re-driven now or before: their outcomes are waited for once every redrive is recorded. */
  toWaitFor: string[];
}

async function redriveOne(
  io: CliIo,
  transmitter: Transmitter,
  commandId: string,
  operator: string,
  options: RedriveOptions,
  tally: RedriveTally,
): Promise<void> {
  let result: RedriveResult;
  try {
    result = await transmitter.redrive({
      commandId,
      reason: options.reason,
      operator,
      redriveId: options.redriveId,
    });
  } catch (error) {
    // Reported per command, so one bad id among several does not hide what happened to the rest.
    if (!isGtxError(error) || !NOT_REDRIVABLE.has(error.code)) throw error;
    tally.refused += 1;
    if (options.json === true) {
      writeLine(
        io.stdout,
        JSON.stringify({ commandId, status: 'refused', code: error.code, message: error.message }),
      );
    } else writeLine(io.stdout, `refused ${commandId}: ${error.code}: ${error.message}`);
    return;
  }
  if (options.json === true) writeLine(io.stdout, JSON.stringify(result));
  else writeLine(io.stdout, describeRedrive(result));
  tally.toWaitFor.push(commandId);
}

function describeRedrive(result: RedriveResult): string {
  return result.status === 'redriven'
    ? `re-opened ${result.commandId} (was ${String(result.previousReason)}; redrive id ${result.redriveId})`
    : `already re-driven ${result.commandId} (redrive id ${result.redriveId}): nothing re-opened again`;
}

/** Dead-lettered again outranks a refusal: both say something needs a look. */
function exitCodeOf(tally: RedriveTally, outcomes: readonly TransmissionOutcome[]): ExitCode {
  const codes = outcomes.map(exitCodeForOutcome);
  if (codes.includes(EXIT.deadLettered)) return EXIT.deadLettered;
  if (tally.refused > 0) return EXIT.redriveRefused;
  return codes.find((code) => code !== EXIT.ok) ?? EXIT.ok;
}

async function redrive(
  io: CliIo,
  services: CliServices,
  ids: readonly string[],
  options: RedriveOptions,
): Promise<void> {
  if (options.all === true && ids.length > 0) throw usage('give command ids or --all, not both');
  if (options.all !== true && ids.length === 0) throw usage('give the command ids, or --all');
  if (options.code !== undefined && options.all !== true) throw usage('--code goes with --all');
  const operator = operatorOf(io, options);
  const runtime = await services.openRuntime(io, {
    sandbox: options.sandbox === true,
    startPipeline: options.wait,
    ...(options.ledger === undefined ? {} : { ledgerPath: options.ledger }),
  });
  const tally: RedriveTally = { refused: 0, toWaitFor: [] };
  let outcomes: TransmissionOutcome[];
  try {
    const targets = await targetsOf(runtime.transmitter, ids, options);
    if (targets.length === 0 && options.json !== true) {
      writeLine(io.stdout, 'no dead letters match: nothing re-driven');
    }
    for (const commandId of targets) {
      await redriveOne(io, runtime.transmitter, commandId, operator, options, tally);
    }
    const style = styleOf(io.stdout, io);
    const waitFor = options.wait ? tally.toWaitFor : [];
    outcomes = await Promise.all(
      waitFor.map(async (commandId) => {
        const outcome = await runtime.transmitter.outcome(commandId);
        if (options.json === true) writeLine(io.stdout, JSON.stringify(outcome));
        else
          for (const line of describeOutcome(outcome))
            writeLine(io.stdout, paintOutcome(line, style));
        return outcome;
      }),
    );
  } finally {
    await runtime.close();
  }
  const code = exitCodeOf(tally, outcomes);
  if (code !== EXIT.ok) throw new CliExit(code);
}

export const registerDeadLetters: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  const deadLetters = program
    .command('dead-letters')
    .description('list dead-lettered transmissions and re-drive them for new attempts');
  deadLetters
    .command('list')
    .description(
      'print the transmissions dead-lettered now, oldest first (ids and codes, no content)',
    )
    .option(
      '--since <iso>',
      'dead-lettered at or after this time (2026-03-01 or 2026-03-01T09:30:00Z)',
    )
    .option(
      '--code <code>',
      "the dead letter's reason (permanentFailure, …) or its last failure's code",
    )
    .option('--ledger <path>', LEDGER_HELP)
    .option('--json', 'one JSON object per line')
    .action(async (options: ListOptions) => {
      await list(io, services, options);
    });
  deadLetters
    .command('redrive')
    .description(
      're-open dead letters for new attempts with the same Genesys messageId, then deliver them and print the outcomes',
    )
    .argument('[commandIds...]', 'the command ids to re-drive (or --all)')
    .option(
      '--all',
      'every dead letter (with --code, those with that code); erased content is left out',
    )
    .option('--code <code>', 'with --all: only dead letters with this reason or last failure code')
    .requiredOption(
      '--reason <text>',
      'why they are re-driven: recorded in the ledger (no personal data)',
    )
    .option('--operator <name>', 'who re-drives them, recorded in the ledger (default: $USER)')
    .option(
      '--redrive-id <id>',
      'names this redrive, so running it again re-opens nothing (default: the dead letter it re-opens)',
    )
    .option('--no-wait', 'record the redrives and exit; a running worker (gtx serve) delivers them')
    .option('--ledger <path>', LEDGER_HELP)
    .option('--sandbox', 'deliver to an in-process sandbox Genesys instead of the real cloud')
    .option('--json', 'one JSON object per line: each redrive, then each outcome')
    .addHelpText(
      'after',
      `
A re-driven transmission gets a fresh attempt budget (the retry policy's attempts and deadline
count from its first new attempt) and waits behind whatever of its conversation is queued.
Rejected commands, open or delivered transmissions and erased content cannot be re-driven
(REDRIVE_NOT_ALLOWED, exit 10; so is an id not in the ledger). Re-driving the same dead letter twice re-opens it once.
Exit codes: 0 delivered (or recorded, with --no-wait), 1 usage or configuration, 3 dead-lettered
again, 4 authentication, 10 a transmission that cannot be re-driven.`,
    )
    .action(async (commandIds: string[], options: RedriveOptions) => {
      await redrive(io, services, commandIds, options);
    });
};
