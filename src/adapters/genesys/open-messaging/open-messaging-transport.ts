import { setMaxListeners } from 'node:events';
import { inject, injectable } from 'inversify';
import {
  CLOCK,
  LOGGER,
  type Clock,
  type Logger,
  type MessagingTransport,
  type TransportOutcome,
  type TransportRequest,
} from '../../../application/ports/index.js';
import { epochMsToIso, type TransportFailure } from '../../../domain/index.js';
import { loginWithClientCredentials } from './client-credentials-login.js';
import { classifyRejection } from './failure-classification.js';
import {
  GenesysAuthError,
  TransportClosedError,
  isGenesysAuthError,
  isGenesysLoginFailedError,
} from './genesys-errors.js';
import { deliveryOf, toOpenMessagingCall, type OpenMessagingCall } from './open-message-mapping.js';
import { endCallSpan, startCallSpan } from './open-messaging-span.js';
import {
  OPEN_MESSAGING_OPTIONS,
  resolveOpenMessagingOptions,
  type OpenMessagingOptions,
  type ResolvedOpenMessagingOptions,
} from './open-messaging-options.js';
import { createSdkClient, type SdkClient } from './sdk-client.js';
import { TokenManager, type IssuedToken } from './token-manager.js';

type Attempt =
  | { readonly outcome: TransportOutcome; readonly rejectedGeneration?: undefined }
  /** Genesys answered 401 to a call made with this token generation. */
  | { readonly outcome: TransportOutcome; readonly rejectedGeneration: number };

/**
 * MessagingTransport over Genesys Open Messaging inbound, through the official SDK
 * (`purecloud-platform-client-v2`). Each request is one SDK call; a 401 triggers one shared
 * re-login and one retry of that call. Every expected failure resolves as `ok: false`; the
 * retry policy decides what happens next.
 */
@injectable()
export class OpenMessagingTransport implements MessagingTransport {
  private readonly options: ResolvedOpenMessagingOptions;
  private readonly sdk: SdkClient;
  private readonly tokens: TokenManager;
  private readonly logger: Logger;
  /** Aborts the in-flight calls and any login when the transport closes. */
  private readonly shutdown = new AbortController();
  private lastLoggedLoginError: unknown = null;

  constructor(
    @inject(OPEN_MESSAGING_OPTIONS) options: OpenMessagingOptions,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) logger: Logger,
  ) {
    this.options = resolveOpenMessagingOptions(options);
    // Every in-flight call listens on the shutdown signal (ours and axios', both removed when the
    // call ends), so more than 10 concurrent sends are normal, not a leak.
    setMaxListeners(0, this.shutdown.signal);
    this.logger = logger.child({ component: 'open-messaging-transport' });
    this.sdk = createSdkClient(this.options);
    this.tokens = new TokenManager(
      () => this.login(),
      clock,
      this.options.tokenRefreshMarginMs,
      this.logger,
    );
  }

  /** The host the SDK calls, for the call spans: the gateway's, else the region's API host. */
  private get serverAddress(): string {
    return this.options.gateway?.host ?? `api.${this.options.environment}`;
  }

  /** Logins attempted so far (observability and tests). */
  get loginCount(): number {
    return this.tokens.logins;
  }

  /**
   * Logs in unless a fresh token is held. Rejects with GenesysAuthError (`GENESYS_AUTH_FAILED`)
   * when Genesys refuses the credentials, with GenesysLoginFailedError when it cannot be reached.
   */
  verify(): Promise<void> {
    return this.verifyCredentials();
  }

  async verifyCredentials(): Promise<void> {
    this.assertOpen();
    await this.tokens.fresh();
  }

  async send(request: TransportRequest, signal?: AbortSignal): Promise<TransportOutcome> {
    this.assertOpen();
    const abort =
      signal === undefined ? this.shutdown.signal : AbortSignal.any([signal, this.shutdown.signal]);
    if (abort.aborted) return abortedOutcome();
    const outcome = await untilAborted(this.deliver(request, abort), abort, this.logger);
    this.logOutcome(request, outcome);
    return outcome;
  }

  close(): Promise<void> {
    if (this.shutdown.signal.aborted) return Promise.resolve();
    this.shutdown.abort();
    this.sdk.destroy();
    return Promise.resolve();
  }

  private async deliver(request: TransportRequest, signal: AbortSignal): Promise<TransportOutcome> {
    const call = toOpenMessagingCall(request.content, {
      commandId: request.commandId,
      timeIso: epochMsToIso(this.clock.now()),
    });
    const first = await this.attempt(call, signal, () => this.tokens.fresh());
    if (first.rejectedGeneration === undefined || signal.aborted) return first.outcome;
    // The token was refused (expired early, revoked, or one of too many): log in once, shared
    // with every other call that saw the same 401, and retry this call once. The login starts
    // at once, so calls still on their way get the new token; the re-send, one more request on
    // the wire, then waits for the rate limiter like every other call.
    const renewal = this.tokens.renewAfterRejection(first.rejectedGeneration);
    renewal.catch(() => undefined); // its failure is reported by the attempt below
    try {
      await request.pace?.();
    } catch {
      return first.outcome;
    }
    const retried = await this.attempt(call, signal, () => renewal);
    return retried.outcome;
  }

  private async attempt(
    call: OpenMessagingCall,
    signal: AbortSignal,
    obtainToken: () => Promise<number>,
  ): Promise<Attempt> {
    try {
      await obtainToken();
    } catch (error) {
      const failure = loginFailure(error);
      this.logLoginFailure(error, failure);
      return { outcome: { ok: false, failure } };
    }
    const generation = this.tokens.currentGeneration;
    const span = startCallSpan(call.endpoint, this.serverAddress);
    try {
      const response = await this.sdk.withSignal(signal, () => this.invoke(call));
      endCallSpan(span, { status: statusOf(response) });
      return { outcome: { ok: true, ...deliveryOf(response) } };
    } catch (rejection) {
      const { failure, rateLimit } = classifyRejection(rejection, { nowMs: this.clock.now() });
      endCallSpan(span, { status: failure.status, failure });
      const outcome: TransportOutcome =
        rateLimit === undefined ? { ok: false, failure } : { ok: false, failure, rateLimit };
      return failure.kind === 'authExpired'
        ? { outcome, rejectedGeneration: generation }
        : { outcome };
    }
  }

  /** The SDK's methods are typed as resolving the model; with extended responses they resolve `{status, headers, body}`. */
  private invoke(call: OpenMessagingCall): Promise<unknown> {
    const { integrationId } = this.options;
    const api = this.sdk.conversations;
    switch (call.endpoint) {
      case 'message':
        return api.postConversationsMessageInboundOpenMessage(integrationId, call.body, {
          prefetchConversationId: true,
        });
      case 'receipt':
        return api.postConversationsMessageInboundOpenReceipt(integrationId, call.body);
      case 'event':
        return api.postConversationsMessageInboundOpenEvent(integrationId, call.body);
    }
  }

  private login(): Promise<IssuedToken> {
    return loginWithClientCredentials(this.sdk, this.options, this.shutdown.signal, () =>
      this.clock.now(),
    );
  }

  /**
   * A failed login met while sending, logged once however many calls shared it. A failed
   * `verify()` is not logged: its caller gets the error and reports it (the CLI prints it once).
   */
  private logLoginFailure(error: unknown, failure: TransportFailure): void {
    if (error === this.lastLoggedLoginError) return;
    this.lastLoggedLoginError = error;
    const fields = {
      kind: failure.kind,
      status: failure.status,
      code: failure.code,
      correlationId: failure.correlationId,
    };
    if (isGenesysAuthError(error))
      this.logger.error('Genesys rejected the client credentials', fields);
    else this.logger.warn('Genesys login failed', fields);
  }

  private logOutcome(request: TransportRequest, outcome: TransportOutcome): void {
    const fields = { commandId: request.commandId, kind: request.kind, attempt: request.attempt };
    if (outcome.ok) {
      this.logger.debug('Genesys accepted the request', {
        ...fields,
        correlationId: outcome.correlationId,
      });
      if (outcome.genesysMessageId === '') {
        this.logger.warn('Genesys accepted the request without a message id', fields);
      }
      return;
    }
    const { failure } = outcome;
    this.logger.debug('Genesys request failed', {
      ...fields,
      failureKind: failure.kind,
      status: failure.status,
      code: failure.code,
      correlationId: failure.correlationId,
      retryAfterMs: failure.retryAfterMs,
    });
  }

  private assertOpen(): void {
    if (this.shutdown.signal.aborted) throw new TransportClosedError();
  }
}

/**
 * A login that fails while sending. Refused credentials become `authExpired` with the stable
 * code GENESYS_AUTH_FAILED, so the CLI can tell them from an ordinary expired token. A login host
 * that is unreachable, slow or rate-limited keeps its own classification (transient/rateLimited):
 * retrying "at once", as the policy does for authExpired, would only hammer it.
 */
function loginFailure(error: unknown): TransportFailure {
  if (isGenesysAuthError(error)) {
    const status = typeof error.details['status'] === 'number' ? error.details['status'] : 401;
    return {
      kind: 'authExpired',
      status,
      code: GenesysAuthError.CODE,
      message: error.message,
      retryAfterMs: null,
      correlationId: null,
    };
  }
  if (isGenesysLoginFailedError(error)) return error.failure;
  throw error;
}

function abortedOutcome(): TransportOutcome {
  return {
    ok: false,
    failure: {
      kind: 'transient',
      status: null,
      code: 'ABORTED',
      message: 'the request was aborted before Genesys answered',
      retryAfterMs: null,
      correlationId: null,
    },
  };
}

/**
 * Answers ABORTED as soon as `signal` fires, even while the call still waits for a shared login
 * (which is not aborted: other calls need it). The HTTP request itself is aborted by the SDK
 * pre-hook; its late result is dropped, and a late bug is logged rather than lost.
 */
async function untilAborted(
  work: Promise<TransportOutcome>,
  signal: AbortSignal,
  logger: Logger,
): Promise<TransportOutcome> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<TransportOutcome>((resolve) => {
    onAbort = () => {
      resolve(abortedOutcome());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    if (signal.aborted) {
      work.catch((error: unknown) => {
        logger.error('Open Messaging send failed after it was aborted', {
          error: error instanceof Error ? error.message : String(error),
        });
      });
    }
  }
}

/** The HTTP status of an extended SDK response (`{status, headers, body}`), when it has one. */
function statusOf(response: unknown): number | null {
  if (typeof response !== 'object' || response === null) return null;
  const { status } = response as { status?: unknown };
  return typeof status === 'number' ? status : null;
}
