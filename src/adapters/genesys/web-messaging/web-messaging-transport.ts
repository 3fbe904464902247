import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import {
  CLOCK,
  LOGGER,
  type AgentMessageListener,
  type AgentMessageSource,
  type Clock,
  type LogFields,
  type Logger,
  type MessagingTransport,
  type TransportOutcome,
  type TransportRequest,
} from '../../../application/ports/index.js';
import {
  isGtxError,
  type TransmissionContent,
  type TransportFailure,
} from '../../../domain/index.js';
import { agentArrivalOfFrame } from './agent-frames.js';
import { AttachmentSource } from './attachment-source.js';
import { AttachmentUploader } from './attachment-upload.js';
import { abortedFailure, GuestConnection } from './guest-connection.js';
import { GuestConnectionPool } from './guest-connection-pool.js';
import {
  GUEST_SESSION_STORE,
  InMemoryGuestSessionStore,
  type GuestSessionStore,
} from './guest-session-store.js';
import { PacedMessageSender } from './paced-message-sender.js';
import { checkLimits } from './session-limits.js';
import { WebMessagingClosedError, WebMessagingUnavailableError } from './web-messaging-errors.js';
import { localFailure } from './web-messaging-failures.js';
import {
  resolveWebMessagingOptions,
  WEB_MESSAGING_OPTIONS,
  type ResolvedWebMessagingOptions,
  type WebMessagingOptions,
} from './web-messaging-options.js';
import { endSendSpan, startSendSpan } from './web-messaging-span.js';
import { markFailed } from '../../../application/tracing/span-scope.js';
import {
  ECHO_TRACING_ID,
  tracingIdOf,
  type OutboundMessage,
  type SessionLimits,
} from './web-messaging-protocol.js';
import { tracingOf, type Step } from './web-messaging-steps.js';

export const UNSUPPORTED_BY_WEB_MESSAGING = 'UNSUPPORTED_BY_WEB_MESSAGING';

/**
 * MessagingTransport over the Web Messaging Guest API (contract §4): one WebSocket session per
 * guest, resumed across restarts through the session store. A message is delivered when the
 * server echoes it back (a StructuredMessage, direction Inbound, with our tracingId); its `id`
 * is the Genesys message id. Attachments go through onAttachment → presigned PUT →
 * UploadSuccessEvent first. Every expected failure resolves as `ok: false`.
 *
 * This class is the facade: the connection pool, the pacing, the upload protocol and the
 * session limits each live in their own file beside it.
 */
@injectable()
export class WebMessagingTransport implements MessagingTransport, AgentMessageSource {
  private readonly options: ResolvedWebMessagingOptions;
  private readonly logger: Logger;
  private readonly pool: GuestConnectionPool;
  private readonly sender: PacedMessageSender;
  private readonly attachments: AttachmentSource;
  private readonly uploader: AttachmentUploader;
  private readonly shutdown = new AbortController();
  private agentListener: AgentMessageListener | null = null;
  /** The Guest API's host, for the send spans (never the URL: it names the deployment). */
  private readonly socketHost: string;

  constructor(
    @inject(WEB_MESSAGING_OPTIONS) options: WebMessagingOptions,
    @inject(GUEST_SESSION_STORE) private readonly store: GuestSessionStore,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) logger: Logger,
  ) {
    this.options = resolveWebMessagingOptions(options);
    this.socketHost = new URL(this.options.socketUrl).host;
    this.logger = logger.child({ component: 'web-messaging-transport' });
    this.pool = new GuestConnectionPool({
      options: this.options,
      clock,
      logger: this.logger,
      store,
      onAgentFrame: (guestId, id, body) => {
        this.agentFrame(guestId, id, body);
      },
    });
    this.sender = new PacedMessageSender({
      clock,
      logger: this.logger,
      maxInlineRateLimitWaitMs: this.options.maxInlineRateLimitWaitMs,
    });
    this.attachments = new AttachmentSource({
      maxBytes: this.options.maxAttachmentBytes,
      timeoutMs: this.options.attachmentTimeoutMs,
      allowLoopback: this.options.allowLoopbackAttachments,
      allowFiles: this.options.allowFileAttachments,
    });
    this.uploader = new AttachmentUploader({ options: this.options, clock });
  }

  listenForAgentMessages(listener: AgentMessageListener): () => void {
    this.agentListener = listener;
    return () => {
      if (this.agentListener === listener) this.agentListener = null;
    };
  }

  /**
   * An agent's reply on a guest's socket goes to the listener (the transmitter records it).
   * The socket has no retry: a record that fails is logged with its code, by ids only.
   */
  private agentFrame(guestId: string, id: string, body: Readonly<Record<string, unknown>>): void {
    const listener = this.agentListener;
    const arrival = agentArrivalOfFrame(id, body, guestId);
    if (listener === null || arrival === null) return;
    listener(arrival).catch((error: unknown) => {
      this.logger.error('an agent message from a guest socket was not recorded', {
        genesysMessageId: id,
        code: isGtxError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN',
      });
    });
  }

  /** Guest sockets currently held (observability and tests). */
  get openConnections(): number {
    return this.pool.size;
  }

  /**
   * Opens a throwaway guest session and checks a round trip with `echo`. Rejects with
   * WebMessagingUnavailableError (`WEB_MESSAGING_UNAVAILABLE`) when that cannot be done.
   */
  async verify(): Promise<void> {
    this.assertOpen();
    const probe = new GuestConnection(`verify-${randomUUID()}`, {
      options: { ...this.options, connectAttempts: 1 },
      clock: this.clock,
      // Whatever goes wrong here reaches the caller as the error: logging it too says it twice.
      logger: debugOnly(this.logger),
      store: new InMemoryGuestSessionStore(),
    });
    try {
      const ready = await probe.ready(this.shutdown.signal);
      if (!ready.ok) {
        throw new WebMessagingUnavailableError(
          ready.failure.code ?? 'unknown',
          `${ready.failure.code ?? ''} ${ready.failure.message ?? ''}`.trim(),
        );
      }
      const wait = probe.waitFor((f) => tracingOf(f) === ECHO_TRACING_ID, this.shutdown.signal);
      probe.send((token) => ({
        action: 'echo',
        token,
        tracingId: ECHO_TRACING_ID,
        message: { type: 'Text', text: 'ping' },
      }));
      const answer = await wait.result;
      if (answer.kind !== 'frame' || answer.frame.kind !== 'structured') {
        throw new WebMessagingUnavailableError(
          'echo',
          `the echo health check was not answered (${answer.kind})`,
        );
      }
      probe.send((token) => ({ action: 'closeSession', token, closeAllConnections: false }));
    } finally {
      probe.close();
    }
  }

  async send(request: TransportRequest, signal?: AbortSignal): Promise<TransportOutcome> {
    this.assertOpen();
    const abort =
      signal === undefined ? this.shutdown.signal : AbortSignal.any([signal, this.shutdown.signal]);
    if (abort.aborted) return { ok: false, failure: abortedFailure() };
    const { content } = request;
    if (content.kind === 'receipt') {
      return fail(
        localFailure(
          'permanent',
          UNSUPPORTED_BY_WEB_MESSAGING,
          'the Web Messaging Guest API has no frame for a receipt of an agent message',
        ),
      );
    }
    const connection = this.pool.connectionFor(content.guest.id);
    connection.active += 1;
    const span = startSendSpan(request, this.socketHost);
    try {
      const outcome = await this.deliver(connection, request, content, abort);
      endSendSpan(span, outcome);
      this.logOutcome(request, outcome);
      return outcome;
    } catch (error) {
      markFailed(span, error);
      span.end();
      throw error;
    } finally {
      connection.active -= 1;
      connection.lastUsedMs = this.clock.now();
    }
  }

  async close(): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    this.shutdown.abort();
    this.pool.closeAll();
    await Promise.all([this.attachments.close(), this.uploader.close()]);
    await this.store.close();
  }

  private async deliver(
    connection: GuestConnection,
    request: TransportRequest,
    content: Exclude<TransmissionContent, { kind: 'receipt' }>,
    signal: AbortSignal,
  ): Promise<TransportOutcome> {
    let renewed = false;
    for (;;) {
      const ready = renewed
        ? await connection.renewSession(signal)
        : await connection.ready(signal);
      if (!ready.ok) return fail(ready.failure);
      const step =
        content.kind === 'typing'
          ? await this.sender.send(connection, request, typingMessage(), signal, renewed)
          : await this.sendGuestMessage(
              connection,
              request,
              content,
              ready.limits,
              signal,
              renewed,
            );
      if (step.ok) {
        return {
          ok: true,
          genesysMessageId: step.value,
          genesysConversationId: null,
          correlationId: null,
        };
      }
      if (step.sessionGone === true && !renewed) {
        // 4006/4007: start a new session once and send again (uploads belong to the old one).
        renewed = true;
        continue;
      }
      return fail(step.failure);
    }
  }

  private async sendGuestMessage(
    connection: GuestConnection,
    request: TransportRequest,
    content: Extract<TransmissionContent, { kind: 'message' }>,
    limits: SessionLimits,
    signal: AbortSignal,
    renewed: boolean,
  ): Promise<Step<string>> {
    const refused = checkLimits(content, limits);
    if (refused !== null) return { ok: false, failure: refused };
    const ids: string[] = [];
    for (const [index, attachment] of content.attachments.entries()) {
      const loaded = await this.attachments.load(attachment, signal);
      if (!loaded.ok) return loaded;
      const tracingId = tracingIdOf(
        request.commandId,
        request.attempt,
        `a${index}${renewed ? 'r' : ''}`,
      );
      const uploaded = await this.uploader.upload(connection, loaded.file, tracingId, signal);
      if (!uploaded.ok) return uploaded;
      ids.push(uploaded.value);
    }
    const attributes = Object.keys(content.metadata).length === 0 ? undefined : content.metadata;
    const message: OutboundMessage = {
      type: 'Text',
      text: content.text ?? '',
      ...(ids.length === 0
        ? {}
        : {
            content: ids.map((id) => ({ contentType: 'Attachment' as const, attachment: { id } })),
          }),
      ...(attributes === undefined
        ? {}
        : { channel: { metadata: { customAttributes: attributes } } }),
    };
    return this.sender.send(connection, request, message, signal, renewed);
  }

  private logOutcome(request: TransportRequest, outcome: TransportOutcome): void {
    const fields = { commandId: request.commandId, kind: request.kind, attempt: request.attempt };
    if (outcome.ok) {
      this.logger.debug('Web Messaging delivered the request', fields);
      return;
    }
    this.logger.debug('Web Messaging request failed', {
      ...fields,
      failureKind: outcome.failure.kind,
      status: outcome.failure.status,
      code: outcome.failure.code,
      retryAfterMs: outcome.failure.retryAfterMs,
    });
  }

  private assertOpen(): void {
    if (this.shutdown.signal.aborted) throw new WebMessagingClosedError();
  }
}

/** 4029 limits one guest session, so it never holds back the other guests. */
function fail(failure: TransportFailure): TransportOutcome {
  return failure.kind === 'rateLimited'
    ? { ok: false, failure, rateLimitScope: 'conversation' }
    : { ok: false, failure };
}

function typingMessage(): OutboundMessage {
  return { type: 'Event', events: [{ eventType: 'Typing', typing: { type: 'On' } }] };
}

/** The probe's own lines at debug level: its failure is reported by the error verify() throws. */
function debugOnly(logger: Logger): Logger {
  const debug = (message: string, fields?: LogFields): void => {
    logger.debug(message, fields);
  };
  return {
    debug,
    info: debug,
    warn: debug,
    error: debug,
    child: (f) => debugOnly(logger.child(f)),
  };
}
