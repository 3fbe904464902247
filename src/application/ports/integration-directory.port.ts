import type { ServiceIdentifier } from 'inversify';

/**
 * An Open Messaging integration as Genesys describes it (`OpenIntegration`), reduced to what gtx
 * checks. The webhook's signature secret never leaves the adapter: only whether one is set.
 */
export interface OpenIntegrationSummary {
  readonly id: string;
  readonly name: string;
  /** `Active` or `Inactive`; null when Genesys did not say. */
  readonly status: string | null;
  /** `Initiated`, `Completed` or `Error`; null when Genesys did not say. */
  readonly createStatus: string | null;
  /** The message of `createError`, when creating the integration failed. */
  readonly createError: string | null;
  /** The Supported Content profile the integration names; null when none. */
  readonly supportedContentId: string | null;
  /** `outboundNotificationWebhookUrl`; null when empty. */
  readonly outboundWebhookUrl: string | null;
  readonly outboundWebhookSecretSet: boolean;
}

/** A Supported Content profile: the MIME patterns (`image/png`, `image/*`, `*\/*`) it allows. */
export interface SupportedContentProfile {
  readonly id: string;
  readonly name: string;
  /** Guest to Genesys: what an attachment we send may be. */
  readonly inbound: readonly string[];
  /** Genesys to the guest. */
  readonly outbound: readonly string[];
}

/** An answer, with the server's `Date` header (epoch ms, whole seconds) when it sent one. */
export interface DirectoryAnswer<T> {
  readonly value: T;
  readonly serverTimeMs: number | null;
  /** Our clock when the answer arrived, to compare with `serverTimeMs`. */
  readonly receivedAtMs: number;
}

/**
 * Reads an integration's configuration from Genesys. Rejects with `GENESYS_AUTH_FAILED` or
 * `GENESYS_LOGIN_FAILED` when no token can be had, `GENESYS_NOT_FOUND` for an unknown id, and
 * `GENESYS_READ_FAILED` for any other failed answer.
 */
export interface IntegrationDirectory {
  /** Obtains a token (or keeps the one held): the credentials work. */
  verifyCredentials(): Promise<void>;
  integration(integrationId: string): Promise<DirectoryAnswer<OpenIntegrationSummary>>;
  supportedContent(supportedContentId: string): Promise<DirectoryAnswer<SupportedContentProfile>>;
  close(): Promise<void>;
}

export const INTEGRATION_DIRECTORY: ServiceIdentifier<IntegrationDirectory> = Symbol.for(
  'gtx.IntegrationDirectory',
);
