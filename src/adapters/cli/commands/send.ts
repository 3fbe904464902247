import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { AttachmentInput, MessageInput } from '../../../application/commands/command-input.js';
import type { TransmissionOutcome } from '../../../application/transmission/transmission-outcome.js';
import { GtxError } from '../../../domain/index.js';
import type { CliRuntime } from '../cli-runtime.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { countLines, readNdjsonCommands, type BadLine } from '../ndjson-commands.js';
import { describeOutcome, exitCodeForOutcome, plural } from '../outcome-format.js';
import { startProgress } from '../progress.js';
import { CliExit, type CommandRegistrar } from '../run-cli.js';

interface SendOptions {
  guest?: string;
  idType: 'Opaque' | 'Email' | 'Phone';
  nickname?: string;
  text?: string;
  conversation?: string;
  id?: string;
  attachment: string[];
  metadata: string[];
  file?: string;
  ledger?: string;
  sandbox?: boolean;
  json?: boolean;
}

function usage(message: string): GtxError {
  return new GtxError('USAGE', message);
}

/** URL,MIME,FILENAME,BYTES: split from the right, since a URL may contain commas. */
export function parseAttachmentSpec(spec: string): AttachmentInput {
  const parts = spec.split(',');
  if (parts.length < 4) throw usage(`--attachment "${spec}" must be URL,MIME,FILENAME,BYTES`);
  const bytes = parts.pop() ?? '';
  const filename = parts.pop() ?? '';
  const mime = parts.pop() ?? '';
  const url = parts.join(',');
  if (!/^\d+$/.test(bytes.trim()))
    throw usage(`--attachment size "${bytes}" must be a whole number of bytes`);
  return {
    url: url.trim(),
    mime: mime.trim(),
    filename: filename.trim(),
    sizeBytes: Number(bytes.trim()),
  };
}

function parseMetadata(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usage(`--metadata "${pair}" must be KEY=VALUE`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

function messageFromOptions(options: SendOptions): MessageInput {
  if (options.guest === undefined) throw usage('--guest is required (or --file for a batch)');
  return {
    ...(options.id === undefined ? {} : { id: options.id }),
    guest: {
      id: options.guest,
      idType: options.idType,
      ...(options.nickname === undefined ? {} : { nickname: options.nickname }),
    },
    ...(options.conversation === undefined ? {} : { conversation: options.conversation }),
    ...(options.text === undefined ? {} : { text: options.text }),
    attachments: options.attachment.map(parseAttachmentSpec),
    metadata: parseMetadata(options.metadata),
  };
}

async function sendOne(io: CliIo, runtime: CliRuntime, options: SendOptions): Promise<ExitCode> {
  const outcome = await runtime.transmitter.submit(messageFromOptions(options));
  if (options.json === true) {
    writeLine(io.stdout, JSON.stringify({ ...outcome, ledger: runtime.ledgerPath }));
  } else {
    for (const line of describeOutcome(outcome)) writeLine(io.stdout, line);
  }
  return exitCodeForOutcome(outcome);
}

interface BatchTally {
  delivered: number;
  rejected: number;
  deadLettered: number;
  duplicates: number;
  badLines: number;
  rejectedByCode: Record<string, number>;
}

async function sendFile(
  io: CliIo,
  runtime: CliRuntime,
  path: string,
  options: SendOptions,
): Promise<ExitCode> {
  const total = io.stderr.isTTY === true ? await countLines(path) : 0;
  const progress = startProgress(io, 'sending', total);
  const tally: BatchTally = {
    delivered: 0,
    rejected: 0,
    deadLettered: 0,
    duplicates: 0,
    badLines: 0,
    rejectedByCode: {},
  };
  const lineOf = new Map<string, number>();
  let done = 0;
  const badLines: BadLine[] = [];
  const onBadLine = (bad: BadLine): void => {
    tally.badLines += 1;
    done += 1;
    progress.update(done);
    badLines.push(bad);
    if (options.json !== true) writeLine(io.stderr, `line ${bad.line}: rejected: ${bad.problem}`);
  };
  const onOutcome = (outcome: TransmissionOutcome): void => {
    done += 1;
    progress.update(done);
    tally[outcome.status] += 1;
    if (outcome.duplicate) tally.duplicates += 1;
    const line = lineOf.get(outcome.commandId);
    lineOf.delete(outcome.commandId);
    if (outcome.status === 'rejected') {
      for (const code of new Set(outcome.violations.map((v) => v.code))) {
        tally.rejectedByCode[code] = (tally.rejectedByCode[code] ?? 0) + 1;
      }
    }
    if (outcome.status !== 'delivered' && options.json !== true) {
      for (const text of describeOutcome(outcome))
        writeLine(io.stderr, `line ${line ?? '?'}: ${text.trim()}`);
    }
  };
  async function* commands() {
    for await (const parsed of readNdjsonCommands(path, runtime.transmitter, onBadLine)) {
      lineOf.set(parsed.command.commandId, parsed.line);
      yield parsed.command;
    }
  }
  try {
    await runtime.transmitter.submitMany(commands(), { onOutcome });
  } finally {
    progress.stop();
  }
  const summary = {
    ...tally,
    total: tally.delivered + tally.rejected + tally.deadLettered + tally.badLines,
  };
  if (options.json === true) {
    writeLine(
      io.stdout,
      JSON.stringify({ ...summary, badLineDetails: badLines, ledger: runtime.ledgerPath }),
    );
  } else {
    const codes = Object.entries(tally.rejectedByCode)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    writeLine(
      io.stdout,
      `sent ${plural(summary.total, 'line')}: ${tally.delivered} delivered, ${tally.rejected} rejected${codes === '' ? '' : ` (${codes})`}, ` +
        `${tally.deadLettered} dead-lettered, ${plural(tally.badLines, 'bad line')}${tally.duplicates > 0 ? `, ${tally.duplicates} already sent` : ''}`,
    );
    writeLine(io.stdout, `ledger: ${runtime.ledgerPath}`);
  }
  if (tally.deadLettered > 0) return EXIT.deadLettered;
  if (tally.rejected > 0 || tally.badLines > 0) return EXIT.rejected;
  return EXIT.ok;
}

async function send(io: CliIo, services: CliServices, options: SendOptions): Promise<void> {
  const file = options.file === undefined ? undefined : resolve(io.cwd, options.file);
  if (file !== undefined && (options.guest !== undefined || options.text !== undefined)) {
    throw usage('use either --file or --guest/--text, not both');
  }
  if (file !== undefined && !existsSync(file)) throw usage(`--file ${file} does not exist`);
  if (file === undefined) messageFromOptions(options);
  const runtime = await services.openRuntime(io, {
    sandbox: options.sandbox === true,
    ...(options.ledger === undefined ? {} : { ledgerPath: options.ledger }),
  });
  let code: ExitCode;
  try {
    code =
      file === undefined
        ? await sendOne(io, runtime, options)
        : await sendFile(io, runtime, file, options);
  } finally {
    await runtime.close();
  }
  if (code !== EXIT.ok) throw new CliExit(code);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const registerSend: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('send')
    .description('send one message (or a batch from an NDJSON file) and print the outcome')
    .option('--guest <id>', 'the guest the message is sent for')
    .addOption(
      new Option('--id-type <type>', 'how Genesys reads the guest id')
        .choices(['Opaque', 'Email', 'Phone'])
        .default('Opaque'),
    )
    .option('--nickname <name>', "the guest's display name")
    .option('--text <text>', 'the message text')
    .option('--conversation <ref>', 'your key for the conversation (default: the guest id)')
    .option('--id <commandId>', 'idempotency key (default: a new UUID)')
    .option(
      '--attachment <URL,MIME,FILENAME,BYTES>',
      'an attachment by URL (repeatable)',
      collect,
      [],
    )
    .option('--metadata <KEY=VALUE>', 'a custom attribute (repeatable)', collect, [])
    .option('--file <path>', 'send every command of an NDJSON file, one per line')
    .option('--ledger <path>', 'ledger file (default: GTX_LEDGER or ./gtx-ledger.db)')
    .option('--sandbox', 'send to an in-process sandbox Genesys instead of the real cloud')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
NDJSON lines: {"id"?, "guest": {"id", "idType"?, "nickname"?}, "conversation"?, "text"?,
  "attachments"?: [{"url", "mime", "filename", "sizeBytes", "sha256"?}], "metadata"?}
Exit codes: 0 delivered, 1 usage or configuration, 2 rejected, 3 dead-lettered, 4 authentication.`,
    )
    .action(async (options: SendOptions) => {
      await send(io, services, options);
    });
};
