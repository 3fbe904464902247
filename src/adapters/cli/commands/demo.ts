import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildDeliveryReport } from '../../../application/reporting/delivery-report.js';
import type { TransmissionOutcome } from '../../../application/transmission/transmission-outcome.js';
import { openCliLedger } from '../cli-ledger.js';
import { openRuntime } from '../cli-runtime.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { demoCommands } from '../demo-commands.js';
import { describeReport } from '../outcome-format.js';
import { startProgress } from '../progress.js';
import type { CommandRegistrar } from '../run-cli.js';

interface DemoOptions {
  ledger?: string;
  json?: boolean;
  seed: string;
}

function compactTimestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/**
 * The main job, end to end with no account: a sandbox Genesys with faults switched on, the
 * sample set sent through the real SDK adapter, then the delivery report read from the ledger.
 */
async function demo(io: CliIo, options: DemoOptions): Promise<void> {
  const runId = `demo-${compactTimestamp()}`;
  const ledgerPath = resolve(io.cwd, options.ledger ?? join(tmpdir(), `gtx-${runId}.db`));
  const seed = Number(options.seed);
  const runtime = await openRuntime(io, {
    sandbox: true,
    ledgerPath,
    sandboxOptions: {
      seed: Number.isInteger(seed) ? seed : 1,
      retryAfterSeconds: 1,
      faults: {
        serverError: 0.06,
        serverErrorEmptyBody: 0.03,
        rateLimited: 0.04,
        connectionReset: 0.03,
      },
    },
  });
  const commands = demoCommands(runId);
  // One answer the sandbox would never give on its own: a 400 from Genesys, which is final.
  runtime.sandbox?.script([
    {
      nth: 7,
      answer: {
        kind: 'status',
        status: 400,
        body: {
          message: 'channel.from.id is not a known customer',
          code: 'bad.request',
          status: 400,
          details: [],
          errors: [],
        },
      },
    },
  ]);
  if (options.json !== true) {
    writeLine(
      io.stdout,
      `sending ${commands.length} commands to a sandbox Genesys at ${runtime.sandbox?.url ?? '?'}`,
    );
    writeLine(
      io.stdout,
      'with injected faults: 503s, empty 502s, 429s with Retry-After, connection resets',
    );
  }
  const progress = startProgress(io, 'demo', commands.length);
  let done = 0;
  try {
    await runtime.transmitter.submitMany(commands, {
      onOutcome: (_outcome: TransmissionOutcome) => {
        done += 1;
        progress.update(done);
      },
    });
  } finally {
    progress.stop();
    await runtime.close();
  }
  const stats = runtime.sandbox?.stats();
  const ledger = openCliLedger(io, ledgerPath);
  const report = await buildDeliveryReport(ledger).finally(() => ledger.close());
  if (options.json === true) {
    writeLine(io.stdout, JSON.stringify({ report, ledger: ledgerPath, sandbox: stats }));
    return;
  }
  writeLine(io.stdout);
  writeLine(io.stdout, 'delivery report');
  for (const line of describeReport(report)) writeLine(io.stdout, `  ${line}`);
  if (stats !== undefined) {
    writeLine(
      io.stdout,
      `  sandbox         accepted ${stats.accepted}, duplicates ${stats.duplicates}, 429s ${stats.rateLimited}, resets ${stats.connectionResets}`,
    );
  }
  writeLine(io.stdout);
  writeLine(io.stdout, `ledger: ${ledgerPath}`);
  writeLine(io.stdout, `  gtx status ${runId}-alba-1 --ledger ${ledgerPath}`);
}

export const registerDemo: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('demo')
    .description('send a sample set through the real SDK to a built-in sandbox Genesys and report')
    .option('--ledger <path>', 'ledger file (default: a new file in the temp directory)')
    .option('--seed <n>', 'seed of the injected faults', '1')
    .option('--json', 'machine-readable report')
    .action(async (options: DemoOptions) => {
      await demo(io, options);
    });
};
