import { Option, type Command } from 'commander';
import { GtxError } from '../../../domain/index.js';
import { startSandbox, type SandboxFaultRates } from '../../../sandbox/index.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { SANDBOX_CLIENT, SANDBOX_DEPLOYMENT_ID, SANDBOX_INTEGRATION_ID } from '../cli-runtime.js';
import type { CommandRegistrar } from '../run-cli.js';

interface SandboxCommandOptions {
  port: string;
  host: string;
  rateLimit: string;
  tokenLifetime: string;
  fault503: string;
  fault429: string;
  faultReset: string;
  faultSlow: string;
  seed: string;
  integrationId: string[];
  json?: boolean;
}

function number(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new GtxError('USAGE', `--${name} must be a number from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

function faults(options: SandboxCommandOptions): SandboxFaultRates {
  return {
    serverError: number('fault-503', options.fault503, 0, 1),
    rateLimited: number('fault-429', options.fault429, 0, 1),
    connectionReset: number('fault-reset', options.faultReset, 0, 1),
    slow: number('fault-slow', options.faultSlow, 0, 1),
  };
}

function integrationIds(options: SandboxCommandOptions): [string, ...string[]] {
  const [first, ...rest] = options.integrationId;
  if (first === undefined || [first, ...rest].some((id) => id.trim() === '')) {
    throw new GtxError('USAGE', '--integration-id must name at least one non-blank id');
  }
  return [first, ...rest];
}

/** A value a shell and dotenv both read back unchanged. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Runs the sandbox until SIGINT or SIGTERM. */
async function runSandbox(io: CliIo, options: SandboxCommandOptions): Promise<void> {
  const served = integrationIds(options);
  const sandbox = await startSandbox({
    host: options.host,
    port: number('port', options.port, 0, 65535),
    rateLimitPerMinute:
      options.rateLimit === 'none' ? null : number('rate-limit', options.rateLimit, 1, 1e9),
    tokenLifetimeSeconds: number('token-lifetime', options.tokenLifetime, 1, 1e9),
    faults: faults(options),
    seed: number('seed', options.seed, 0, 2 ** 32 - 1),
    clients: [SANDBOX_CLIENT],
    integrationIds: served,
  });
  const settings = {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    GENESYS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    GENESYS_INTEGRATION_ID: served[0],
    GENESYS_DEPLOYMENT_ID: SANDBOX_DEPLOYMENT_ID,
    GENESYS_WEBMESSAGING_URL: sandbox.webMessaging.url,
  };
  if (options.json === true) {
    writeLine(io.stdout, JSON.stringify({ url: sandbox.url, ...settings }));
  } else {
    // Every line is valid in a POSIX shell and in a .env file: comments, then `export K=V`.
    writeLine(io.stdout, `# sandbox Genesys listening on ${sandbox.url}`);
    writeLine(io.stdout, '# (OAuth, Open Messaging inbound, and the Web Messaging guest API)');
    writeLine(
      io.stdout,
      '# paste these into a shell or a .env file to point gtx or the library at it:',
    );
    for (const [name, value] of Object.entries(settings)) {
      writeLine(io.stdout, `export ${name}=${shellValue(value)}`);
    }
    writeLine(
      io.stdout,
      `# received messages: GET ${sandbox.url}/__sandbox/messages; stop with Ctrl-C`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.close();
}

export const registerSandbox: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('sandbox')
    .description(
      'run the sandbox Genesys on loopback: OAuth, Open Messaging inbound and the Web Messaging guest API; prints the settings to use it',
    )
    .option('--port <n>', 'port to listen on (0 = a free one)', '9000')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--rate-limit <n|none>', 'requests per minute per token', '300')
    .option('--token-lifetime <seconds>', 'access token lifetime', '86400')
    .option('--fault-503 <rate>', 'share of answers that are 503', '0')
    .option('--fault-429 <rate>', 'share of answers that are injected 429s', '0')
    .option('--fault-reset <rate>', 'share of connections reset without an answer', '0')
    .option('--fault-slow <rate>', 'share of answers delayed', '0')
    .option('--seed <n>', 'seed of the fault draws', '1')
    .option(
      '--integration-id <ids...>',
      'the Open Messaging integrations served; any other id gets 404',
      [SANDBOX_INTEGRATION_ID],
    )
    .addOption(new Option('--json', 'print the connection settings as JSON'))
    .action(async (options: SandboxCommandOptions) => {
      await runSandbox(io, options);
    });
};
