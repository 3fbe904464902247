import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  conversationTranscript,
  type Transcript,
} from '../../../application/agent-replies/conversation-transcript.js';
import { buildDeliveryReport } from '../../../application/reporting/delivery-report.js';
import type { TransmissionOutcome } from '../../../application/transmission/transmission-outcome.js';
import type { AnyCommandInput } from '../../../application/transmitter.js';
import { openCliLedger } from '../cli-ledger.js';
import type { TransportChoice } from '../cli-runtime.js';
import { serveDemoAttachments } from '../demo-attachment-server.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { startDemoAgentReplies } from '../demo-agent-replies.js';
import { demoCommands } from '../demo-commands.js';
import { TUTORIAL_POLICY } from '../demo-policy.js';
import { replaceDemoLedger } from '../demo-ledger.js';
import { describeReport, plural } from '../outcome-format.js';
import { startProgress } from '../progress.js';
import type { CommandRegistrar } from '../run-cli.js';
import { transcriptText } from '../transcript-format.js';

interface DemoOptions {
  ledger?: string;
  json?: boolean;
  seed: string;
  transport: TransportChoice;
}

function compactTimestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/**
 * The main job, end to end with no account: a sandbox Genesys with faults switched on, the
 * sample set sent through the real SDK adapter, then the delivery report read from the ledger.
 */
async function demo(io: CliIo, services: CliServices, options: DemoOptions): Promise<void> {
  const replaced = options.ledger === undefined ? replaceDemoLedger() : null;
  try {
    await runDemo(io, services, options, resolve(io.cwd, replaced?.path ?? options.ledger ?? ''));
  } finally {
    replaced?.release();
  }
}

/**
 * The Web Messaging guest API has no frame for a receipt: the transport refuses receipts by
 * design, so the demo leaves them out rather than report them as failures.
 */
function demoCommandsFor(runId: string, webMessaging: boolean): AnyCommandInput[] {
  const commands = demoCommands(runId);
  return webMessaging ? commands.filter((command) => command.kind !== 'receipt') : commands;
}

/** `gtx …` as the reader can run it: through npx when the demo itself ran through npm. */
function gtxCommand(io: CliIo): string {
  return io.env['npm_command'] === undefined ? 'gtx' : 'npx gtx';
}

async function runDemo(
  io: CliIo,
  services: CliServices,
  options: DemoOptions,
  ledgerPath: string,
): Promise<void> {
  const runId = `demo-${compactTimestamp()}`;
  const seed = Number(options.seed);
  const webMessaging = options.transport === 'web-messaging';
  const runtime = await services.openRuntime(io, {
    sandbox: true,
    transport: options.transport,
    policy: {
      ...TUTORIAL_POLICY,
      // Web Messaging fetches and uploads attachments: the demo serves them on loopback.
      ...(webMessaging ? { allowLoopbackAttachmentUrls: true } : {}),
    },
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
  const sample = demoCommandsFor(runId, webMessaging);
  const left = demoCommands(runId).length - sample.length;
  const attachments = webMessaging ? await serveDemoAttachments(sample) : null;
  const commands = attachments?.commands ?? sample;
  // One answer the sandbox would never give on its own: a 400 from Genesys, which is final.
  if (webMessaging) {
    runtime.sandbox?.webMessaging.script([
      { nth: 7, answer: { kind: 'error', code: 400, body: 'Bad request' } },
    ]);
  }
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
    if (left > 0) {
      writeLine(
        io.stdout,
        `${plural(left, 'receipt')} left out: the Web Messaging guest API has no receipt frame, so that transport refuses receipts by design (docs/web-messaging.md)`,
      );
    }
  }
  const replies = await startDemoAgentReplies(io, services, runtime, {
    webMessaging,
    quiet: options.json === true,
  }).catch(async (error: unknown) => {
    await runtime.close();
    await attachments?.close();
    throw error;
  });
  const progress = startProgress(io, {
    label: 'demo',
    total: commands.length,
    clock: services.clock,
  });
  let done = 0;
  try {
    await runtime.transmitter.submitMany(commands, {
      onOutcome: (_outcome: TransmissionOutcome) => {
        done += 1;
        progress.update(done);
      },
    });
    progress.stop();
    await replies?.settle();
  } finally {
    progress.stop();
    await runtime.close();
    await attachments?.close();
  }
  const stats = runtime.sandbox?.stats();
  const wmStats = webMessaging ? runtime.sandbox?.webMessaging.stats() : undefined;
  const ledger = openCliLedger(services, io, ledgerPath);
  const report = await buildDeliveryReport(ledger.events).finally(() => ledger.close());
  const agentReplies = replies?.count() ?? 0;
  if (options.json === true) {
    writeLine(
      io.stdout,
      JSON.stringify({ report, ledger: ledgerPath, sandbox: wmStats ?? stats, agentReplies }),
    );
    return;
  }
  writeLine(io.stdout);
  writeLine(io.stdout, 'delivery report');
  for (const line of describeReport(report)) writeLine(io.stdout, `  ${line}`);
  if (wmStats !== undefined) {
    writeLine(
      io.stdout,
      `  sandbox (ws)    accepted ${wmStats.accepted}, uploads ${wmStats.uploads}, 4029s ${wmStats.rateLimited}, dropped sockets ${wmStats.dropped}`,
    );
  } else if (stats !== undefined) {
    writeLine(
      io.stdout,
      `  sandbox         accepted ${stats.accepted}, duplicates ${stats.duplicates}, 429s ${stats.rateLimited}, resets ${stats.connectionResets}`,
    );
  }
  writeLine(io.stdout, `  agent replies   ${agentReplies} recorded`);
  const conversation = replies?.firstConversation() ?? null;
  if (conversation !== null) {
    writeLine(io.stdout);
    writeLine(io.stdout, 'one transcript, both sides (gtx transcript --reveal)');
    const transcript = await readDemoTranscript(io, services, ledgerPath, conversation);
    for (const line of transcriptText(transcript).trimEnd().split('\n')) {
      writeLine(io.stdout, `  ${line}`);
    }
  }
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    `ledger: ${ledgerPath}${options.ledger === undefined ? ' (the next gtx demo replaces it; --ledger PATH keeps one)' : ''}`,
  );
  writeLine(io.stdout, `  ${gtxCommand(io)} status ${runId}-alba-1 --ledger ${ledgerPath}`);
  writeLine(io.stdout, `  ${gtxCommand(io)} stats --ledger ${ledgerPath}`);
  if (conversation !== null) {
    writeLine(
      io.stdout,
      `  ${gtxCommand(io)} transcript --conversation ${conversation} --format html --reveal --ledger ${ledgerPath}`,
    );
  }
}

/** The demo's own ledger, read back as `gtx transcript --reveal` reads it. */
async function readDemoTranscript(
  io: CliIo,
  services: CliServices,
  ledgerPath: string,
  conversationRef: string,
): Promise<Transcript> {
  const opened = services.openPersonalDataViewer(io, ledgerPath);
  const guestKeys = services.openGuestKeys(ledgerPath);
  const ledger = services.openLedger(ledgerPath, { readOnly: true });
  try {
    return await conversationTranscript(
      { events: ledger.events, guestKeys, vault: opened.vault },
      { conversationRef, reveal: true },
    );
  } finally {
    await ledger.close();
    await guestKeys.close();
    await opened.close();
  }
}

export const registerDemo: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('demo')
    .description('send a sample set through the real SDK to a built-in sandbox Genesys and report')
    .option(
      '--ledger <path>',
      "ledger file (default: the temp folder's demo ledger, replaced by each demo)",
    )
    .option('--seed <n>', 'seed of the injected faults', '1')
    .option('--json', 'machine-readable report')
    .addOption(
      new Option(
        '--transport <name>',
        'open-messaging (the SDK) or web-messaging (the guest WebSocket)',
      )
        .choices(['open-messaging', 'web-messaging'])
        .default('open-messaging'),
    )
    .action(async (options: DemoOptions) => {
      await demo(io, services, options);
    });
};
