import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { AttachmentInput, MessageInput } from '../../../application/commands/command-input.js';
import { GtxError } from '../../../domain/index.js';
import { readSettings, type CliRuntime } from '../cli-runtime.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { describeOutcome, exitCodeForOutcome } from '../outcome-format.js';
import { paintOutcome, styleOf } from '../cli-style.js';
import { CliExit, type CommandRegistrar } from '../run-cli.js';
import { sendBatch, type BatchSource } from './send-batch.js';

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
  batchId?: string;
  randomIds?: boolean;
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
    const style = styleOf(io.stdout, io);
    for (const line of describeOutcome(outcome)) writeLine(io.stdout, paintOutcome(line, style));
    writeLine(io.stdout, style.dim(statusHint(io, outcome.commandId, runtime.ledgerPath)));
  }
  return exitCodeForOutcome(outcome);
}

/** How to look at the command again; names the ledger unless it is the one used by default. */
function statusHint(io: CliIo, commandId: string, ledgerPath: string): string {
  const byDefault = resolve(io.cwd, readSettings(io).GTX_LEDGER) === resolve(io.cwd, ledgerPath);
  const ledger = byDefault ? '' : ` --ledger ${shellWord(ledgerPath)}`;
  return `details: gtx status ${shellWord(commandId)}${ledger}`;
}

/** A word a POSIX shell reads back as it is. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

async function send(io: CliIo, services: CliServices, options: SendOptions): Promise<void> {
  const source = batchSource(io, options);
  if (source !== null && (options.guest !== undefined || options.text !== undefined)) {
    throw usage('use either --file or --guest/--text, not both');
  }
  if (source === null) messageFromOptions(options);
  if (options.batchId !== undefined && options.randomIds === true) {
    throw usage('use either --batch-id or --random-ids, not both');
  }
  const runtime = await services.openRuntime(io, {
    sandbox: options.sandbox === true,
    ...(options.ledger === undefined ? {} : { ledgerPath: options.ledger }),
  });
  let code: ExitCode;
  try {
    code =
      source === null
        ? await sendOne(io, runtime, options)
        : await sendBatch(io, runtime, services.clock, source, {
            json: options.json === true,
            randomIds: options.randomIds === true,
            ...(options.batchId === undefined ? {} : { batchId: options.batchId }),
          });
  } finally {
    await runtime.close();
  }
  if (code !== EXIT.ok) throw new CliExit(code);
}

/** `--file PATH`, or `--file -` for standard input; null for a single message. */
function batchSource(io: CliIo, options: SendOptions): BatchSource | null {
  if (options.file === undefined) return null;
  if (options.file === '-') {
    if (io.stdin === undefined) throw usage('--file -: there is no standard input to read');
    return { kind: 'stdin', input: io.stdin };
  }
  const path = resolve(io.cwd, options.file);
  if (!existsSync(path)) throw usage(`--file ${path} does not exist`);
  return { kind: 'file', path };
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
    .option(
      '--id <commandId>',
      'idempotency key (default: a new UUID; batch lines: see --batch-id)',
    )
    .option(
      '--attachment <URL,MIME,FILENAME,BYTES>',
      'an attachment by URL (repeatable)',
      collect,
      [],
    )
    .option('--metadata <KEY=VALUE>', 'a custom attribute (repeatable)', collect, [])
    .option(
      '--file <path>',
      'send every command of an NDJSON file, one per line (- reads standard input)',
    )
    .option(
      '--batch-id <name>',
      'lines without an id get the id NAME-LINE (default: batch-<sha256 of the file, 16 hex>-LINE)',
    )
    .option(
      '--random-ids',
      'lines without an id get a new UUID each run: sending the file twice sends those lines twice',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--sandbox', 'send to an in-process sandbox Genesys instead of the real cloud')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
NDJSON lines: {"id"?, "guest": {"id", "idType"?, "nickname"?}, "conversation"?, "text"?,
  "attachments"?: [{"url", "mime", "filename", "sizeBytes", "sha256"?}], "metadata"?}
A line without "id" gets a deterministic one (--batch-id, or the file's hash, plus its line
number), so sending the same file again sends nothing twice. An id already in the ledger for a
different command is refused (exit 6).
Exit codes: 0 delivered, 1 usage or configuration, 2 rejected, 3 dead-lettered, 4 authentication,
6 command id reused for a different command.`,
    )
    .action(async (options: SendOptions) => {
      await send(io, services, options);
    });
};
