import type { ServiceIdentifier } from 'inversify';
import { WebMessagingConfigError } from './web-messaging-errors.js';

export interface WebMessagingOptions {
  /** Region host, e.g. `mypurecloud.com`: the socket is `wss://webmessaging.{environment}/v1`. */
  readonly environment: string;
  /** GENESYS_DEPLOYMENT_ID: the Messenger deployment the guests talk to. */
  readonly deploymentId: string;
  /**
   * GENESYS_WEBMESSAGING_URL: another WebSocket base, e.g. the sandbox's `ws://127.0.0.1:9000/v1`.
   * `deploymentId` and `application` are added to its query.
   */
  readonly url?: string;
  /** The `application` query parameter; default `genesys-transmitter`. */
  readonly application?: string;
  /** Open guest sockets at most; the least recently used idle one is closed first. Default 100. */
  readonly maxOpenSessions?: number;
  /** A guest socket unused this long is closed (its session token is kept). Default 60 000. */
  readonly idleTimeoutMs?: number;
  /** WebSocket ping every this often; no pong by the next one closes the socket. Default 15 000. */
  readonly pingIntervalMs?: number;
  /** How long one frame waits for its answer (echo, SessionResponse, upload URL). Default 15 000. */
  readonly answerTimeoutMs?: number;
  /** `onMessage` frames per guest per second (the server's limit is 2). Default 2. */
  readonly messagesPerSecond?: number;
  /** Added to every per-guest gap, so network jitter cannot bunch two frames. Default 50. */
  readonly pacingMarginMs?: number;
  /** A 4029 asking for at most this long is waited out in place for that guest only. Default 5000. */
  readonly maxInlineRateLimitWaitMs?: number;
  /** Connection attempts per send before it fails as transient. Default 3. */
  readonly connectAttempts?: number;
  /** Backoff between connection attempts: base and ceiling. Defaults 250 and 5000. */
  readonly reconnectBaseDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Fetching an https attachment, and the PUT of its bytes. Default 30 000. */
  readonly attachmentTimeoutMs?: number;
  /** Largest attachment read into memory. Default 25 MB (the platform ceiling). */
  readonly maxAttachmentBytes?: number;
  /** Let attachment URLs and `file:` paths reach loopback hosts (the sandbox only). Default false. */
  readonly allowLoopbackAttachments?: boolean;
  /** Let `file:` attachment URLs be read. Default true. */
  readonly allowFileAttachments?: boolean;
}

export const WEB_MESSAGING_OPTIONS: ServiceIdentifier<WebMessagingOptions> =
  Symbol.for('gtx.WebMessagingOptions');

export const WEB_MESSAGING_APPLICATION = 'genesys-transmitter';

export interface ResolvedWebMessagingOptions {
  readonly socketUrl: string;
  readonly deploymentId: string;
  readonly maxOpenSessions: number;
  readonly idleTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly answerTimeoutMs: number;
  readonly messageGapMs: number;
  readonly maxInlineRateLimitWaitMs: number;
  readonly connectAttempts: number;
  readonly reconnectBaseDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly attachmentTimeoutMs: number;
  readonly maxAttachmentBytes: number;
  readonly allowLoopbackAttachments: boolean;
  readonly allowFileAttachments: boolean;
}

export function resolveWebMessagingOptions(
  options: WebMessagingOptions,
): ResolvedWebMessagingOptions {
  const deploymentId = options.deploymentId.trim();
  if (deploymentId === '') throw new WebMessagingConfigError('deploymentId', 'must not be empty');
  const perSecond = positive('messagesPerSecond', options.messagesPerSecond ?? 2);
  return {
    socketUrl: socketUrl(options, deploymentId),
    deploymentId,
    maxOpenSessions: integer('maxOpenSessions', options.maxOpenSessions ?? 100),
    idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs ?? 60_000),
    pingIntervalMs: positive('pingIntervalMs', options.pingIntervalMs ?? 15_000),
    answerTimeoutMs: positive('answerTimeoutMs', options.answerTimeoutMs ?? 15_000),
    messageGapMs:
      Math.ceil(1000 / perSecond) + nonNegative('pacingMarginMs', options.pacingMarginMs ?? 50),
    maxInlineRateLimitWaitMs: nonNegative(
      'maxInlineRateLimitWaitMs',
      options.maxInlineRateLimitWaitMs ?? 5000,
    ),
    connectAttempts: integer('connectAttempts', options.connectAttempts ?? 3),
    reconnectBaseDelayMs: nonNegative('reconnectBaseDelayMs', options.reconnectBaseDelayMs ?? 250),
    reconnectMaxDelayMs: nonNegative('reconnectMaxDelayMs', options.reconnectMaxDelayMs ?? 5000),
    attachmentTimeoutMs: positive('attachmentTimeoutMs', options.attachmentTimeoutMs ?? 30_000),
    maxAttachmentBytes: integer('maxAttachmentBytes', options.maxAttachmentBytes ?? 25_000_000),
    allowLoopbackAttachments: options.allowLoopbackAttachments ?? false,
    allowFileAttachments: options.allowFileAttachments ?? true,
  };
}

function socketUrl(options: WebMessagingOptions, deploymentId: string): string {
  const base =
    options.url === undefined || options.url.trim() === ''
      ? `wss://webmessaging.${required('environment', options.environment)}/v1`
      : options.url.trim();
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new WebMessagingConfigError(
      'url',
      'is not an absolute URL (expected e.g. ws://127.0.0.1:9000/v1)',
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WebMessagingConfigError('url', `protocol ${url.protocol} is not ws or wss`);
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new WebMessagingConfigError('url', 'must not contain credentials or a fragment');
  }
  url.searchParams.set('deploymentId', deploymentId);
  url.searchParams.set('application', options.application ?? WEB_MESSAGING_APPLICATION);
  return url.toString();
}

function required(setting: string, value: string): string {
  if (value.trim() === '') throw new WebMessagingConfigError(setting, 'must not be empty');
  return value.trim();
}

function positive(setting: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new WebMessagingConfigError(setting, 'must be a positive number');
  }
  return value;
}

function nonNegative(setting: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new WebMessagingConfigError(setting, 'must be zero or more');
  }
  return value;
}

function integer(setting: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new WebMessagingConfigError(setting, 'must be an integer of at least 1');
  }
  return value;
}
