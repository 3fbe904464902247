import { setMaxListeners } from 'node:events';
import { inject, injectable } from 'inversify';
import { GenesysNotFoundError, GenesysReadFailedError } from '../../../application/errors.js';
import {
  CLOCK,
  LOGGER,
  type Clock,
  type DirectoryAnswer,
  type IntegrationDirectory,
  type Logger,
  type OpenIntegrationSummary,
  type SupportedContentProfile,
} from '../../../application/ports/index.js';
import { loginWithClientCredentials } from './client-credentials-login.js';
import { classifyRejection } from './failure-classification.js';
import { TransportClosedError } from './genesys-errors.js';
import {
  OPEN_MESSAGING_OPTIONS,
  resolveOpenMessagingOptions,
  type OpenMessagingOptions,
} from './open-messaging-options.js';
import { headerValue } from './response-headers.js';
import { createSdkClient, type SdkClient } from './sdk-client.js';
import type { OpenIntegration, SupportedContent } from './sdk-models.js';
import { TokenManager } from './token-manager.js';

interface ExtendedResponse<T> {
  readonly body: T;
  readonly headers: unknown;
}

/**
 * IntegrationDirectory through the official SDK: `getConversationsMessagingIntegrationsOpenIntegrationId`
 * and `getConversationsMessagingSupportedcontentSupportedContentId`, on a client and token of its
 * own (the same login as the transport). A 401 renews the token once and retries the read.
 */
@injectable()
export class SdkIntegrationDirectory implements IntegrationDirectory {
  private readonly sdk: SdkClient;
  private readonly tokens: TokenManager;
  private readonly shutdown = new AbortController();

  constructor(
    @inject(OPEN_MESSAGING_OPTIONS) options: OpenMessagingOptions,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) logger: Logger,
  ) {
    const resolved = resolveOpenMessagingOptions(options);
    setMaxListeners(0, this.shutdown.signal);
    this.sdk = createSdkClient(resolved);
    this.tokens = new TokenManager(
      () => loginWithClientCredentials(this.sdk, resolved, this.shutdown.signal, () => clock.now()),
      clock,
      resolved.tokenRefreshMarginMs,
      logger.child({ component: 'integration-directory' }),
    );
  }

  async verifyCredentials(): Promise<void> {
    this.assertOpen();
    await this.tokens.fresh();
  }

  async integration(integrationId: string): Promise<DirectoryAnswer<OpenIntegrationSummary>> {
    const answer = await this.read<OpenIntegration>(
      'Open Messaging integration',
      integrationId,
      () =>
        this.sdk.conversations.getConversationsMessagingIntegrationsOpenIntegrationId(
          integrationId,
        ),
    );
    return { ...answer, value: summarise(answer.value) };
  }

  async supportedContent(
    supportedContentId: string,
  ): Promise<DirectoryAnswer<SupportedContentProfile>> {
    const answer = await this.read<SupportedContent>(
      'Supported Content profile',
      supportedContentId,
      () =>
        this.sdk.conversations.getConversationsMessagingSupportedcontentSupportedContentId(
          supportedContentId,
        ),
    );
    return { ...answer, value: profileOf(answer.value) };
  }

  close(): Promise<void> {
    if (!this.shutdown.signal.aborted) {
      this.shutdown.abort();
      this.sdk.destroy();
    }
    return Promise.resolve();
  }

  private async read<T>(
    what: string,
    id: string,
    call: () => Promise<unknown>,
  ): Promise<DirectoryAnswer<T>> {
    this.assertOpen();
    const generation = await this.tokens.fresh();
    try {
      return await this.attempt<T>(call);
    } catch (rejection) {
      if (statusOf(rejection, this.clock.now()) !== 401) throw this.failure(what, id, rejection);
    }
    // The token was refused (expired early, revoked): one new login, one more try.
    await this.tokens.renewAfterRejection(generation);
    try {
      return await this.attempt<T>(call);
    } catch (rejection) {
      throw this.failure(what, id, rejection);
    }
  }

  /** With extended responses the SDK resolves `{status, headers, body}`, not the typed model. */
  private async attempt<T>(call: () => Promise<unknown>): Promise<DirectoryAnswer<T>> {
    const response = (await this.sdk.withSignal(this.shutdown.signal, call)) as ExtendedResponse<T>;
    return {
      value: response.body,
      serverTimeMs: serverTimeOf(response.headers),
      receivedAtMs: this.clock.now(),
    };
  }

  private failure(what: string, id: string, rejection: unknown): Error {
    const { failure } = classifyRejection(rejection, { nowMs: this.clock.now() });
    if (failure.status === 404) {
      return new GenesysNotFoundError(what, id, serverTimeOf(headersOf(rejection)));
    }
    const reason = [
      failure.status === null ? failure.kind : `HTTP ${failure.status}`,
      failure.code,
      failure.message,
    ]
      .filter((part) => part !== null && part !== '')
      .join(', ');
    return new GenesysReadFailedError(what, id, reason, failure.status);
  }

  private assertOpen(): void {
    if (this.shutdown.signal.aborted) throw new TransportClosedError();
  }
}

function statusOf(rejection: unknown, nowMs: number): number | null {
  return classifyRejection(rejection, { nowMs }).failure.status;
}

function headersOf(rejection: unknown): unknown {
  return typeof rejection === 'object' && rejection !== null && 'headers' in rejection
    ? rejection.headers
    : undefined;
}

/** RFC 9110 `Date`: an HTTP-date with whole seconds; null when absent or unreadable. */
function serverTimeOf(headers: unknown): number | null {
  const value = headerValue(headers, 'date');
  if (value === undefined) return null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

function text(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}

function summarise(integration: OpenIntegration): OpenIntegrationSummary {
  return {
    id: integration.id,
    name: integration.name,
    status: text(integration.status),
    createStatus: text(integration.createStatus),
    createError: text(integration.createError?.message),
    supportedContentId: text(integration.supportedContent?.id),
    outboundWebhookUrl: text(integration.outboundNotificationWebhookUrl),
    // Only whether it is set: the secret (masked or not) is never handed on.
    outboundWebhookSecretSet:
      text(integration.outboundNotificationWebhookSignatureSecretToken) !== null,
  };
}

function profileOf(content: SupportedContent): SupportedContentProfile {
  const patterns = (list: readonly { type?: string }[] | undefined): string[] =>
    (list ?? []).flatMap((entry) => (entry.type === undefined ? [] : [entry.type]));
  return {
    id: content.id,
    name: content.name,
    inbound: patterns(content.mediaTypes?.allow?.inbound),
    outbound: patterns(content.mediaTypes?.allow?.outbound),
  };
}
