import { Command, CommanderError } from 'commander';
import { isGtxError } from '../../domain/index.js';
import { type CliIo, writeLine } from './cli-io.js';
import type { CliServices } from './cli-services.js';
import { styleOf } from './cli-style.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes.js';
import { packageInfo } from '../config/package-info.js';

/** Thrown by a command to end the run with a given exit code after it printed its result. */
export class CliExit extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
  }
}

/** Adds a command to the program; its action gets the run's io and the services it may use. */
export type CommandRegistrar = (program: Command, io: CliIo, services: CliServices) => void;

export function buildProgram(
  io: CliIo,
  registrars: readonly CommandRegistrar[],
  services: CliServices,
): Command {
  const info = packageInfo();
  const program = new Command('gtx')
    .description(
      'Validate, transmit and audit Genesys Cloud guest messages with a tamper-evident ledger.',
    )
    .version(info.version, '-V, --version')
    .showHelpAfterError('(run gtx --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  program.addHelpText(
    'after',
    `
${EXIT_CODES_HELP}
Settings come from the environment and ./.env (see README): GENESYS_ENVIRONMENT,
GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_INTEGRATION_ID, GENESYS_API_URL,
GTX_LEDGER, GTX_RATE_LIMIT_PER_MINUTE, GTX_CONCURRENCY, GTX_LOG_LEVEL, GTX_PSEUDONYMISE
(guest-ids: keyed hashes of guest ids and conversation refs in a new ledger).`,
  );
  for (const register of registrars) register(program, io, services);
  return program;
}

/** Runs one command line and returns the exit code; never throws. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  registrars: readonly CommandRegistrar[],
  services: CliServices,
): Promise<ExitCode> {
  const program = buildProgram(io, registrars, services);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

/** Errors that end a run with their own exit code; any other coded error is 1. */
const EXIT_BY_ERROR_CODE: Readonly<Record<string, ExitCode>> = {
  GENESYS_AUTH_FAILED: EXIT.authFailed,
  COMMAND_ID_REUSED: EXIT.idReused,
  BROKER_UNREACHABLE: EXIT.brokerUnavailable,
  BROKER_SOURCE_FAILED: EXIT.brokerUnavailable,
  BROKER_AUTH_FAILED: EXIT.brokerAuthFailed,
  BROKER_NOT_FOUND: EXIT.brokerNotFound,
  REDRIVE_NOT_ALLOWED: EXIT.redriveRefused,
  CONVERSATION_NOT_FOUND: EXIT.conversationNotFound,
};

function exitCodeFor(error: unknown, io: CliIo): ExitCode {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof CommanderError) {
    // Help and version are successful exits; commander already printed the usage problem.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const style = styleOf(io.stderr, io);
  if (isGtxError(error)) {
    writeLine(io.stderr, `${style.red('gtx:')} ${style.bold(error.code)}: ${error.message}`);
    return EXIT_BY_ERROR_CODE[error.code] ?? EXIT.usage;
  }
  writeLine(
    io.stderr,
    `${style.red('gtx:')} unexpected error: ${error instanceof Error ? error.message : String(error)}`,
  );
  return EXIT.usage;
}
