import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { inject, injectable } from 'inversify';
import { interval, type Subscription } from 'rxjs';
import {
  CLOCK,
  LOGGER,
  type Clock,
  type Logger,
  type MessagingTransport,
  type TransportOutcome,
  type TransportRequest,
} from '../../../application/ports/index.js';
import { SleepAbortedError } from '../../../application/timing.js';
import type { Attachment, TransmissionContent, TransportFailure } from '../../../domain/index.js';
import { loadAttachment, type LoadedAttachment } from './attachment-source.js';
import {
  abortedFailure,
  connectionLost,
  GuestConnection,
  noAnswer,
  type WaitResult,
} from './guest-connection.js';
import {
  GUEST_SESSION_STORE,
  guestSessionKey,
  InMemoryGuestSessionStore,
  type GuestSessionStore,
} from './guest-session-store.js';
import { WebMessagingClosedError, WebMessagingUnavailableError } from './web-messaging-errors.js';
import { localFailure, serverFailure, SESSION_GONE_CODES } from './web-messaging-failures.js';
import {
  resolveWebMessagingOptions,
  WEB_MESSAGING_OPTIONS,
  type ResolvedWebMessagingOptions,
  type WebMessagingOptions,
} from './web-messaging-options.js';
import {
  ECHO_TRACING_ID,
  tracingIdOf,
  type OutboundMessage,
  type ServerFrame,
  type SessionLimits,
} from './web-messaging-protocol.js';

export const UNSUPPORTED_BY_WEB_MESSAGING = 'UNSUPPORTED_BY_WEB_MESSAGING';

type Step<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: TransportFailure; readonly sessionGone?: boolean };

/**
 * MessagingTransport over the Web Messaging Guest API (contract §4): one WebSocket session per
 * guest, resumed across restarts through the session store. A message is delivered when the
 * server echoes it back (a StructuredMessage, direction Inbound, with our tracingId); its `id`
 * is the Genesys message id. Attachments go through onAttachment → presigned PUT →
 * UploadSuccessEvent first. Every expected failure resolves as `ok: false`.
 */
@injectable()
export class WebMessagingTransport implements MessagingTransport {
  private readonly options: ResolvedWebMessagingOptions;
  private readonly logger: Logger;
  /** Open (or opening) guest connections, least recently used first. */
  private readonly connections = new Map<string, GuestConnection>();
  private readonly shutdown = new AbortController();
  private sweep: Subscription | null = null;

  constructor(
    @inject(WEB_MESSAGING_OPTIONS) options: WebMessagingOptions,
    @inject(GUEST_SESSION_STORE) private readonly store: GuestSessionStore,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) logger: Logger,
  ) {
    this.options = resolveWebMessagingOptions(options);
    this.logger = logger.child({ component: 'web-messaging-transport' });
  }

  /** Guest sockets currently held (observability and tests). */
  get openConnections(): number {
    return this.connections.size;
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
      logger: this.logger,
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
    const connection = this.connectionFor(content.guest.id);
    connection.active += 1;
    try {
      const outcome = await this.deliver(connection, request, content, abort);
      this.logOutcome(request, outcome);
      return outcome;
    } finally {
      connection.active -= 1;
      connection.lastUsedMs = this.clock.now();
    }
  }

  async close(): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    this.shutdown.abort();
    this.sweep?.unsubscribe();
    this.sweep = null;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
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
          ? await this.sendMessage(connection, request, typingMessage(), signal, renewed)
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
      const loaded = await loadAttachment(
        attachment,
        {
          maxBytes: this.options.maxAttachmentBytes,
          timeoutMs: this.options.attachmentTimeoutMs,
          allowLoopback: this.options.allowLoopbackAttachments,
          allowFiles: this.options.allowFileAttachments,
        },
        signal,
      );
      if (!loaded.ok) return loaded;
      const tracingId = tracingIdOf(
        request.commandId,
        request.attempt,
        `a${index}${renewed ? 'r' : ''}`,
      );
      const uploaded = await this.upload(connection, loaded.file, tracingId, signal);
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
    return this.sendMessage(connection, request, message, signal, renewed);
  }

  /** `onMessage`, paced per guest; delivered when the server echoes it with our tracingId. */
  private async sendMessage(
    connection: GuestConnection,
    request: TransportRequest,
    message: OutboundMessage,
    signal: AbortSignal,
    renewed: boolean,
  ): Promise<Step<string>> {
    const tracingId = tracingIdOf(request.commandId, request.attempt, renewed ? 'r' : '');
    let waitedInline = false;
    for (;;) {
      try {
        await connection.pacer.acquire(signal);
      } catch (error) {
        if (error instanceof SleepAbortedError) return { ok: false, failure: abortedFailure() };
        throw error;
      }
      const wait = connection.waitFor(
        (frame) =>
          tracingOf(frame) === tracingId &&
          (frame.kind !== 'structured' || frame.direction === 'Inbound'),
        signal,
      );
      if (!connection.send((token) => ({ action: 'onMessage', token, tracingId, message }))) {
        wait.cancel();
        return { ok: false, failure: connectionLost() };
      }
      const answer = await wait.result;
      const frame = frameOf(answer, 'echo');
      if (!frame.ok) return frame;
      const f = frame.value;
      if (f.kind === 'structured') return { ok: true, value: f.id };
      if (f.kind === 'tooManyRequests') {
        const retryAfterMs = f.retryAfterMs ?? 1000;
        connection.pacer.pauseUntil(this.clock.now() + retryAfterMs);
        this.logger.info('Web Messaging rate limit: pausing this guest', {
          guestSession: connection.key,
          commandId: request.commandId,
          retryAfterMs,
        });
        if (!waitedInline && retryAfterMs <= this.options.maxInlineRateLimitWaitMs) {
          // Only this guest waits; every other guest keeps sending.
          waitedInline = true;
          continue;
        }
        return { ok: false, failure: serverFailure(429, f.errorMessage, retryAfterMs) };
      }
      return errorStep(f);
    }
  }

  private async upload(
    connection: GuestConnection,
    file: LoadedAttachment,
    tracingId: string,
    signal: AbortSignal,
  ): Promise<Step<string>> {
    const attachmentId = randomUUID();
    const presign = connection.waitFor(
      (frame) =>
        tracingOf(frame) === tracingId ||
        (frame.kind === 'generateUrlError' && frame.attachmentId === attachmentId),
      signal,
    );
    const sent = connection.send((token) => ({
      action: 'onAttachment',
      token,
      tracingId,
      attachmentId,
      fileName: file.fileName,
      fileType: file.mime,
      fileSize: file.bytes.length,
      fileMd5: file.md5,
      errorsAsJson: true,
    }));
    if (!sent) {
      presign.cancel();
      return { ok: false, failure: connectionLost() };
    }
    const answer = frameOf(await presign.result, 'PresignedUrlResponse');
    if (!answer.ok) return answer;
    const frame = answer.value;
    if (frame.kind === 'generateUrlError')
      return { ok: false, failure: serverFailure(frame.errorCode, frame.errorMessage) };
    if (frame.kind === 'tooManyRequests') {
      const retryAfterMs = frame.retryAfterMs ?? 1000;
      connection.pacer.pauseUntil(this.clock.now() + retryAfterMs);
      return { ok: false, failure: serverFailure(429, frame.errorMessage, retryAfterMs) };
    }
    if (frame.kind !== 'presignedUrl') return errorStep(frame);
    const done = connection.waitFor(
      (f) =>
        (f.kind === 'uploadSuccess' || f.kind === 'uploadFailure') &&
        f.attachmentId === attachmentId,
      signal,
    );
    const put = await this.put(frame.url, frame.headers, file, signal);
    if (!put.ok) {
      if (put.failure.status === null) {
        done.cancel();
        return put;
      }
      // The server answered the PUT: it may say why in an UploadFailureEvent.
      const reason = await done.result;
      if (reason.kind === 'frame' && reason.frame.kind === 'uploadFailure') {
        return {
          ok: false,
          failure: serverFailure(reason.frame.errorCode, reason.frame.errorMessage),
        };
      }
      return put;
    }
    const event = frameOf(await done.result, 'UploadSuccessEvent');
    if (!event.ok) return event;
    if (event.value.kind === 'uploadFailure') {
      return { ok: false, failure: serverFailure(event.value.errorCode, event.value.errorMessage) };
    }
    return { ok: true, value: attachmentId };
  }

  /** HTTP PUT of the bytes to the presigned URL, with its headers plus Content-Type. */
  private put(
    url: string,
    headers: Readonly<Record<string, string>>,
    file: LoadedAttachment,
    signal: AbortSignal,
  ): Promise<Step<null>> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve({
        ok: false,
        failure: localFailure(
          'transient',
          'WEB_MESSAGING_UPLOAD_FAILED',
          'the presigned URL is not a URL',
        ),
      });
    }
    // Plain http only from a server we reach without TLS ourselves (the sandbox on ws://).
    const plainAllowed =
      this.options.socketUrl.startsWith('ws:') || this.options.allowLoopbackAttachments;
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && plainAllowed)) {
      return Promise.resolve({
        ok: false,
        failure: localFailure(
          'permanent',
          'WEB_MESSAGING_UPLOAD_FAILED',
          'the presigned URL is not https',
        ),
      });
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(
        target,
        {
          method: 'PUT',
          headers: {
            ...headers,
            'Content-Type': file.mime,
            'Content-Length': String(file.bytes.length),
          },
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.attachmentTimeoutMs)]),
        },
        (response: IncomingMessage) => {
          response.resume();
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve({ ok: true, value: null });
            return;
          }
          const kind =
            status === 408 || status === 429 || status >= 500 ? 'transient' : 'permanent';
          resolve({
            ok: false,
            failure: {
              ...localFailure(
                kind,
                'WEB_MESSAGING_UPLOAD_FAILED',
                `the upload answered HTTP ${status}`,
              ),
              status,
            },
          });
        },
      );
      req.once('error', (error: Error & { code?: string }) => {
        resolve({
          ok: false,
          failure: signal.aborted
            ? abortedFailure()
            : localFailure(
                'transient',
                'WEB_MESSAGING_UPLOAD_FAILED',
                `the upload failed: ${error.code ?? error.name}`,
              ),
        });
      });
      req.end(file.bytes);
    });
  }

  /** The guest's connection, most recently used last; evicts the least recently used idle one. */
  private connectionFor(guestId: string): GuestConnection {
    const key = guestSessionKey(this.options.deploymentId, guestId);
    let connection = this.connections.get(key);
    if (connection !== undefined) {
      this.connections.delete(key);
      this.connections.set(key, connection);
      return connection;
    }
    if (this.connections.size >= this.options.maxOpenSessions) this.evictOne();
    connection = new GuestConnection(key, {
      options: this.options,
      clock: this.clock,
      logger: this.logger,
      store: this.store,
    });
    this.connections.set(key, connection);
    this.startSweep();
    return connection;
  }

  private evictOne(): void {
    for (const [key, connection] of this.connections) {
      if (connection.active > 0) continue;
      connection.close();
      this.connections.delete(key);
      this.logger.debug('closed the least recently used guest socket', { guestSession: key });
      return;
    }
    this.logger.warn('every guest socket is busy; going over maxOpenSessions for now', {
      open: this.connections.size,
    });
  }

  /** Pings open sockets and closes idle ones; runs only while any connection exists. */
  private startSweep(): void {
    if (this.sweep !== null) return;
    const every = Math.min(this.options.pingIntervalMs, this.options.idleTimeoutMs);
    this.sweep = interval(every, this.clock.scheduler).subscribe(() => {
      const now = this.clock.now();
      for (const [key, connection] of this.connections) {
        if (connection.active === 0 && now - connection.lastUsedMs >= this.options.idleTimeoutMs) {
          connection.close();
          this.connections.delete(key);
          this.logger.debug('closed an idle guest socket', { guestSession: key });
        } else {
          connection.ping();
        }
      }
      if (this.connections.size === 0) {
        this.sweep?.unsubscribe();
        this.sweep = null;
      }
    });
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

function tracingOf(frame: ServerFrame): string | null {
  return 'tracingId' in frame ? frame.tracingId : null;
}

function typingMessage(): OutboundMessage {
  return { type: 'Event', events: [{ eventType: 'Typing', typing: { type: 'On' } }] };
}

function frameOf(answer: WaitResult, what: string): Step<ServerFrame> {
  switch (answer.kind) {
    case 'frame':
      return { ok: true, value: answer.frame };
    case 'closed':
      return { ok: false, failure: connectionLost() };
    case 'timeout':
      return { ok: false, failure: noAnswer(what) };
    case 'aborted':
      return { ok: false, failure: abortedFailure() };
  }
}

function errorStep(frame: ServerFrame): Step<never> {
  if (frame.kind === 'error') {
    return {
      ok: false,
      failure: serverFailure(frame.code, frame.message),
      sessionGone: SESSION_GONE_CODES.has(frame.code),
    };
  }
  return {
    ok: false,
    failure: localFailure(
      'transient',
      'WEB_MESSAGING_UNEXPECTED_FRAME',
      `unexpected ${frame.kind} frame`,
    ),
  };
}

/** The session's limits, checked before anything is sent (contract §4.5). */
export function checkLimits(
  content: Extract<TransmissionContent, { kind: 'message' }>,
  limits: SessionLimits,
): TransportFailure | null {
  const max = limits.maxCustomDataBytes;
  if (max !== null && Object.keys(content.metadata).length > 0) {
    const bytes = Buffer.byteLength(JSON.stringify(content.metadata), 'utf8');
    if (bytes > max) {
      return localFailure(
        'permanent',
        'WEB_MESSAGING_CUSTOM_DATA_TOO_LARGE',
        `custom attributes take ${bytes} bytes; the session allows ${max}`,
      );
    }
  }
  for (const attachment of content.attachments) {
    const refused = checkAttachment(attachment, limits);
    if (refused !== null) return refused;
  }
  return null;
}

function checkAttachment(attachment: Attachment, limits: SessionLimits): TransportFailure | null {
  const media = limits.allowedMedia;
  if (media === null) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_ATTACHMENTS_NOT_ALLOWED',
      'the deployment allows no inbound attachments',
    );
  }
  const type = attachment.mime.toLowerCase();
  const major = type.split('/')[0] ?? '';
  const allowed = media.fileTypes.some((pattern) => {
    const p = pattern.toLowerCase();
    return p === '*/*' || p === '*' || p === type || p === `${major}/*`;
  });
  if (!allowed) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_MEDIA_TYPE_NOT_ALLOWED',
      `${attachment.mime} is not an allowed inbound media type`,
    );
  }
  if (attachment.sizeBytes <= 0) {
    return localFailure('permanent', 'WEB_MESSAGING_EMPTY_FILE', 'the attachment is empty');
  }
  if (attachment.sizeBytes / 1000 > media.maxFileSizeKB) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_FILE_TOO_LARGE',
      `the attachment is larger than ${media.maxFileSizeKB} KB`,
    );
  }
  const dot = attachment.filename.lastIndexOf('.');
  const extension = dot <= 0 ? '' : attachment.filename.slice(dot).toLowerCase();
  if (extension !== '' && limits.blockedExtensions.includes(extension)) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_EXTENSION_BLOCKED',
      `files ending in ${extension} are blocked`,
    );
  }
  return null;
}
