/**
 * What the sandbox's integrations say about themselves (`OpenIntegration`) and their Supported
 * Content profile (`SupportedContent`), as the SDK models them (index.d.ts), and the state a test
 * changes: the integration's status and the profile's media types.
 */
import type {
  SandboxIntegrationState,
  SandboxOutboundWebhook,
  SandboxSupportedContent,
} from '../types.js';

/** Genesys' own default profile allows every type both ways. */
export const DEFAULT_SUPPORTED_CONTENT: SandboxSupportedContent = {
  id: 'sandbox-supported-content',
  name: 'Sandbox default',
  inbound: ['*/*'],
  outbound: ['*/*'],
};

export const DEFAULT_INTEGRATION_STATE: SandboxIntegrationState = {
  status: 'Active',
  createStatus: 'Completed',
};

/** Characters of the signature secret left readable; the rest is masked. */
const SECRET_VISIBLE_CHARS = 4;

/**
 * The SDK models the signature secret token as a required string of the answer. Whether the
 * real API returns it in clear is not documented; the sandbox returns it masked, so nothing a
 * client prints or logs from this answer can leak it, and a client that needs the secret must get
 * it from its own configuration.
 */
export function maskedSecret(secret: string): string {
  const visible = secret.slice(-SECRET_VISIBLE_CHARS);
  return `${'*'.repeat(Math.max(0, secret.length - SECRET_VISIBLE_CHARS))}${visible}`;
}

export class IntegrationSettings {
  private state: SandboxIntegrationState;
  private content: SandboxSupportedContent;

  constructor(
    /** The webhook the sandbox's agent posts to now (it can be changed at runtime). */
    private readonly webhook: () => SandboxOutboundWebhook | null,
    content: SandboxSupportedContent | undefined,
    state: SandboxIntegrationState | undefined,
  ) {
    this.content = content ?? DEFAULT_SUPPORTED_CONTENT;
    this.state = state ?? DEFAULT_INTEGRATION_STATE;
  }

  setState(state: SandboxIntegrationState): void {
    this.state = state;
  }

  setSupportedContent(content: SandboxSupportedContent): void {
    this.content = content;
  }

  /** `Models.OpenIntegration` for `integrationId`, which the caller checked is served. */
  openIntegration(integrationId: string, baseUrl: string, nowMs: number): object {
    const { status, createStatus, createError } = this.state;
    const webhook = this.webhook();
    const stamp = new Date(nowMs).toISOString();
    return {
      id: integrationId,
      name: `Sandbox integration ${integrationId}`,
      supportedContent: {
        id: this.content.id,
        name: this.content.name,
        selfUri: `/api/v2/conversations/messaging/supportedcontent/${encodeURIComponent(this.content.id)}`,
      },
      outboundNotificationWebhookUrl: webhook?.url ?? '',
      outboundNotificationWebhookSignatureSecretToken:
        webhook === null ? '' : maskedSecret(webhook.secret),
      status,
      createStatus,
      ...(createError === undefined
        ? {}
        : {
            createError: { message: createError, code: 'integration.create.failed', status: 400 },
          }),
      dateCreated: stamp,
      dateModified: stamp,
      selfUri: `${baseUrl}/api/v2/conversations/messaging/integrations/open/${encodeURIComponent(integrationId)}`,
    };
  }

  /** `Models.SupportedContent`, or null when `id` names no profile of this sandbox. */
  supportedContent(id: string): object | null {
    if (id !== this.content.id) return null;
    const types = (patterns: readonly string[]): { type: string }[] =>
      patterns.map((type) => ({ type }));
    return {
      id: this.content.id,
      name: this.content.name,
      version: 1,
      mediaTypes: {
        allow: { inbound: types(this.content.inbound), outbound: types(this.content.outbound) },
      },
      selfUri: `/api/v2/conversations/messaging/supportedcontent/${encodeURIComponent(this.content.id)}`,
    };
  }
}
