import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/adapters/cli/cli-io.js';
import { COMMANDS } from '../../src/adapters/cli/commands/index.js';
import { runCli } from '../../src/adapters/cli/run-cli.js';
import { createCliServices } from '../../src/composition/cli-services.js';

const SERVICES = createCliServices();

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs gtx in-process with its own streams and environment (no .env is read from cwd); `stdin`
 * is what a command reading `-` gets.
 */
export async function runGtx(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  cwd = process.cwd(),
  stdin?: string,
): Promise<CliRun> {
  const out = capture();
  const err = capture();
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    env: { GTX_LOG_LEVEL: 'silent', ...env },
    cwd,
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
  };
  const code = await runCli(argv, io, COMMANDS, SERVICES);
  return { code, stdout: out.text(), stderr: err.text() };
}
