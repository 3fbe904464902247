import type { AgentMessageNotice } from '../../application/agent-replies/agent-message-arrival.js';
import type { CliIo } from './cli-io.js';
import { writeLine } from './cli-io.js';
import type { CliRuntime } from './cli-runtime.js';
import type { CliServices, RunningAgentWebhook } from './cli-services.js';

/** What the sandbox's agent answers each guest message with: no guest text is repeated. */
const REPLY_TEXT =
  'Thanks, an agent has your message ({characters} characters; attachments: {attachments})';

export interface DemoAgentReplies {
  /** Agent messages recorded so far, once each. */
  readonly count: () => number;
  /** The conversation of the first reply recorded, for the transcript the demo prints. */
  readonly firstConversation: () => string | null;
  /**
   * Waits for the sandbox to post every reply and for every receipt to be final, then stops
   * hearing replies and closes the receiver.
   */
  settle(): Promise<void>;
}

/**
 * The sandbox answers as an agent: on Open Messaging it posts signed replies to a receiver the
 * demo runs (the route `gtx serve` serves); on Web Messaging it answers on the guest's socket.
 * Each reply is told as it is recorded (ids and conversation only).
 */
export async function startDemoAgentReplies(
  io: CliIo,
  services: CliServices,
  runtime: CliRuntime,
  options: { readonly webMessaging: boolean; readonly quiet: boolean },
): Promise<DemoAgentReplies | null> {
  const sandbox = runtime.sandbox;
  if (sandbox === null) return null;
  let webhook: RunningAgentWebhook | null = null;
  if (!options.webMessaging) {
    webhook = await services.startAgentWebhook(io, runtime.transmitter, services.logger(io));
    sandbox.setOutboundWebhook({ url: webhook.url, secret: webhook.secret });
    sandbox.setWebhookDelivery({ backoffMs: 100 });
  }
  sandbox.setAgentReplies({ delayMs: 0, text: REPLY_TEXT, agentNickname: 'Ava' });
  const receipts: Promise<void>[] = [];
  const failures: unknown[] = [];
  let count = 0;
  let first: string | null = null;
  const stop = runtime.transmitter.onAgentMessage((notice: AgentMessageNotice) => {
    if (notice.duplicate || notice.type !== 'AgentMessageReceived') return;
    count += 1;
    first ??= notice.conversationRef;
    if (notice.receiptCommandId !== null) {
      // Kept until `settle`, which throws the first failure: none is left unhandled meanwhile.
      receipts.push(
        runtime.transmitter.outcome(notice.receiptCommandId).then(
          () => undefined,
          (error: unknown) => {
            failures.push(error);
          },
        ),
      );
    }
    if (!options.quiet) {
      writeLine(
        io.stdout,
        `  reply  ${notice.genesysMessageId.slice(0, 8)}… from the agent in ${notice.conversationRef ?? '(unmatched)'}`,
      );
    }
  });
  return {
    count: () => count,
    firstConversation: () => first,
    settle: async () => {
      try {
        await sandbox.outboundSettled();
        await Promise.all(receipts);
        if (failures.length > 0) throw failures[0];
      } finally {
        stop();
        await webhook?.close();
      }
    },
  };
}
