import { Option, type Command } from 'commander';
import { GtxError } from '../../../domain/index.js';
import {
  isSandboxSettingError,
  startSandbox,
  type RunningSandbox,
  type SandboxAgentAttachment,
  type SandboxAgentReplies,
  type SandboxFaultRates,
  type SandboxOptions,
  type SandboxOriginatingEntity,
  type SandboxOutboundWebhook,
} from '../../../sandbox/index.js';
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
  webhookUrl?: string;
  webhookSecret?: string;
  webhookCopies: string;
  agentReplies?: boolean;
  agentReplyText?: string;
  agentReplyAs: SandboxOriginatingEntity;
  agentReplyDelay: string;
  agentReplyAttachment?: string;
  agentReplyAttachmentType: string;
  agentReceipts?: boolean;
  json?: boolean;
}

/** The flag (and environment variable) behind each sandbox setting, for usage errors. */
const FLAG_OF_SETTING: Readonly<Record<string, string>> = {
  'outboundWebhook.url': '--webhook-url (GTX_SANDBOX_WEBHOOK_URL)',
  'outboundWebhook.secret': '--webhook-secret (GTX_SANDBOX_WEBHOOK_SECRET)',
  'agentReplies.text': '--agent-reply-text',
  'agentReplies.attachment.url': '--agent-reply-attachment',
  'agentReplies.attachment.mime': '--agent-reply-attachment-type',
  'agentReplies.delayMs': '--agent-reply-delay',
  'webhookDelivery.copies': '--webhook-copies',
};

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

/** The webhook from the flags, else the environment; both or neither of url and secret. */
function outboundWebhook(
  io: CliIo,
  options: SandboxCommandOptions,
): SandboxOutboundWebhook | undefined {
  const url = options.webhookUrl ?? io.env['GTX_SANDBOX_WEBHOOK_URL'];
  const secret = options.webhookSecret ?? io.env['GTX_SANDBOX_WEBHOOK_SECRET'];
  if (url === undefined && secret === undefined) return undefined;
  if (url === undefined || secret === undefined) {
    throw new GtxError(
      'USAGE',
      'the outbound webhook needs both --webhook-url (GTX_SANDBOX_WEBHOOK_URL) and --webhook-secret (GTX_SANDBOX_WEBHOOK_SECRET)',
    );
  }
  return { url, secret };
}

const MEDIA_TYPE_OF_MIME_FAMILY: Readonly<Record<string, SandboxAgentAttachment['mediaType']>> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
};

function agentAttachment(options: SandboxCommandOptions): SandboxAgentAttachment | undefined {
  const url = options.agentReplyAttachment;
  if (url === undefined) return undefined;
  const mime = options.agentReplyAttachmentType;
  const family = mime.split('/')[0]?.toLowerCase() ?? '';
  // The URL itself is checked by the sandbox; the file name is only its last path segment.
  const filename = url.split(/[?#]/)[0]?.split('/').pop() ?? '';
  return {
    mediaType: MEDIA_TYPE_OF_MIME_FAMILY[family] ?? 'File',
    url,
    mime,
    ...(filename === '' ? {} : { filename }),
  };
}

function agentReplies(options: SandboxCommandOptions): SandboxAgentReplies | undefined {
  const receipts = options.agentReceipts === true;
  if (options.agentReplies !== true && !receipts) return undefined;
  const attachment = agentAttachment(options);
  return {
    reply: options.agentReplies === true,
    receipts,
    originatingEntity: options.agentReplyAs,
    delayMs: number('agent-reply-delay', options.agentReplyDelay, 0, 3_600_000),
    ...(options.agentReplyText === undefined ? {} : { text: options.agentReplyText }),
    ...(attachment === undefined ? {} : { attachment }),
  };
}

/** A refused agent or webhook setting becomes a usage error naming its flag. */
async function started(options: SandboxOptions): Promise<RunningSandbox> {
  try {
    return await startSandbox(options);
  } catch (error) {
    if (!isSandboxSettingError(error)) throw error;
    const flag = FLAG_OF_SETTING[error.setting] ?? error.setting;
    throw new GtxError('USAGE', `${flag}: ${error.message.slice(error.setting.length + 2)}`, {
      cause: error,
    });
  }
}

/** A value a shell and dotenv both read back unchanged. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Runs the sandbox until SIGINT or SIGTERM. */
async function runSandbox(io: CliIo, options: SandboxCommandOptions): Promise<void> {
  const served = integrationIds(options);
  const webhook = outboundWebhook(io, options);
  const replies = agentReplies(options);
  const sandbox = await started({
    host: options.host,
    port: number('port', options.port, 0, 65535),
    rateLimitPerMinute:
      options.rateLimit === 'none' ? null : number('rate-limit', options.rateLimit, 1, 1e9),
    tokenLifetimeSeconds: number('token-lifetime', options.tokenLifetime, 1, 1e9),
    faults: faults(options),
    seed: number('seed', options.seed, 0, 2 ** 32 - 1),
    clients: [SANDBOX_CLIENT],
    integrationIds: served,
    ...(webhook === undefined ? {} : { outboundWebhook: webhook }),
    ...(replies === undefined ? {} : { agentReplies: replies }),
    webhookDelivery: { copies: number('webhook-copies', options.webhookCopies, 1, 100) },
  });
  const settings = {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    GENESYS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    GENESYS_INTEGRATION_ID: served[0],
    GENESYS_DEPLOYMENT_ID: SANDBOX_DEPLOYMENT_ID,
    GENESYS_WEBMESSAGING_URL: sandbox.webMessaging.url,
  };
  // The secret is never printed: it is the caller's, and logs of this output may be kept.
  const outbound =
    webhook === undefined ? {} : { outboundWebhookUrl: sandbox.outboundWebhook()?.url };
  if (options.json === true) {
    writeLine(io.stdout, JSON.stringify({ url: sandbox.url, ...settings, ...outbound }));
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
    if (replies !== undefined) {
      const target =
        webhook === undefined
          ? 'no webhook set, so Open Messaging replies are not posted'
          : `posted, signed, to ${webhook.url}`;
      writeLine(io.stdout, `# agent replies on: ${target}; Web Messaging replies go to the socket`);
      writeLine(
        io.stdout,
        `# replies and webhook deliveries: GET ${sandbox.url}/__sandbox/outbound`,
      );
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
    .option(
      '--webhook-url <url>',
      "the integration's outbound webhook: where agent replies and receipts are posted (or GTX_SANDBOX_WEBHOOK_URL)",
    )
    .option(
      '--webhook-secret <secret>',
      'the webhook signature secret, longer than 15 characters; prefer GTX_SANDBOX_WEBHOOK_SECRET, which ps cannot show',
    )
    .option(
      '--webhook-copies <n>',
      'retry storm fault: deliver every webhook this many times, even after a 2xx',
      '1',
    )
    .option('--agent-replies', 'an agent answers every accepted guest message')
    .option(
      '--agent-reply-text <template>',
      'the reply: fixed text, or a template with {messageId} {characters} {sha256} {attachments}; never the guest text',
    )
    .addOption(
      new Option('--agent-reply-as <entity>', 'originatingEntity of the replies')
        .choices(['Human', 'Bot'])
        .default('Human'),
    )
    .option('--agent-reply-delay <ms>', 'how long the agent takes to answer', '250')
    .option('--agent-reply-attachment <url>', 'an attachment sent with every reply')
    .option('--agent-reply-attachment-type <mime>', 'its MIME type', 'image/png')
    .option('--agent-receipts', "post Genesys' Delivered receipt for every guest message too")
    .addOption(new Option('--json', 'print the connection settings as JSON'))
    .addHelpText(
      'after',
      `
Agent replies (what Genesys does when an agent answers the guest):
  - Open Messaging: each accepted guest message is answered on the outbound webhook, posted
    as an Open NormalizedMessage (direction Outbound) with X-Hub-Signature-256: sha256= and
    the base64 HMAC-SHA256 of the body; retried up to 5 times on a timeout (10 s), 429 or
    5xx, never on another 4xx; POST a receipt for the reply's id to acknowledge it.
  - Web Messaging: the reply is pushed to the guest's socket as a StructuredMessage.
Example:
  GTX_SANDBOX_WEBHOOK_SECRET=a-secret-of-16-chars-or-more \
  gtx sandbox --agent-replies --webhook-url http://127.0.0.1:8080/v1/genesys/outbound`,
    )
    .action(async (options: SandboxCommandOptions) => {
      await runSandbox(io, options);
    });
};
