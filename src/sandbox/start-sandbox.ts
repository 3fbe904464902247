import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { AgentDesk } from './agent-replies/agent-desk.js';
import { registerAgentRoutes } from './agent-replies/agent-routes.js';
import type {
  SandboxAgentMessage,
  SandboxAgentReplies,
  SandboxOutboundStats,
  SandboxWebhookDelivery,
  WebhookDelivery,
} from './agent-replies/types.js';
import type { SandboxFaultRates } from './faults/fault-rates.js';
import { createSandboxApp } from './http/sandbox-app.js';
import type { SandboxApp } from './http/sandbox-app.js';
import { registerIntegrationRoutes } from './open-messaging/integration-routes.js';
import { IntegrationSettings } from './open-messaging/integration-settings.js';
import { OpenMessagingSandbox } from './open-messaging/open-messaging-sandbox.js';
import type { OpenMessagingSettings } from './open-messaging/open-messaging-sandbox.js';
import {
  answerUnrouted,
  registerOpenMessagingRoutes,
} from './open-messaging/open-messaging-routes.js';
import type {
  ReceivedCopy,
  ReceivedRequest,
  SandboxClient,
  SandboxStats,
  ScriptStep,
} from './open-messaging/types.js';
import type {
  RunningSandbox,
  SandboxIntegrationState,
  SandboxOptions,
  SandboxOutboundWebhook,
  SandboxSupportedContent,
} from './types.js';
import { WebMessagingSandbox } from './web-messaging/web-messaging-sandbox.js';

interface Settings extends OpenMessagingSettings {
  readonly host: string;
  readonly port: number;
  readonly webMessaging: NonNullable<SandboxOptions['webMessaging']>;
  readonly agentReplies: SandboxAgentReplies | null;
  readonly outboundWebhook: SandboxOutboundWebhook | null;
  readonly webhookDelivery: SandboxWebhookDelivery;
  readonly supportedContent: SandboxSupportedContent | undefined;
  readonly integrationState: SandboxIntegrationState | undefined;
}

const DEFAULT_CLIENT: SandboxClient = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
};

/** The one integration a sandbox serves when it is not told which: any other id gets 404. */
export const DEFAULT_SANDBOX_INTEGRATION_ID = 'sandbox-integration';

function resolveSettings(options: SandboxOptions): Settings {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    clients: options.clients ?? [DEFAULT_CLIENT],
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 86_400,
    rateLimitPerMinute: options.rateLimitPerMinute === undefined ? 300 : options.rateLimitPerMinute,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    faults: options.faults ?? {},
    seed: options.seed ?? 1,
    integrationIds: new Set(options.integrationIds ?? [DEFAULT_SANDBOX_INTEGRATION_ID]),
    now: options.now ?? Date.now,
    webMessaging: options.webMessaging ?? {},
    agentReplies: options.agentReplies ?? null,
    outboundWebhook: options.outboundWebhook ?? null,
    webhookDelivery: options.webhookDelivery ?? {},
    supportedContent: options.supportedContent,
    integrationState: options.integrationState,
  };
}

/**
 * One fastify app on one port for both protocols: the Open Messaging routes and the uploads as
 * fastify routes, the Web Messaging guest API on the server's `upgrade` event.
 */
class SandboxServer implements RunningSandbox {
  private readonly app: SandboxApp;
  private readonly openMessaging: OpenMessagingSandbox;
  private readonly agent: AgentDesk;
  private readonly integrations: IntegrationSettings;
  /** Aborts pending slow answers so close() never waits on them. */
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private address: AddressInfo | undefined;
  readonly webMessaging: WebMessagingSandbox;

  /** Throws a SandboxSettingError for an agent or webhook setting that cannot work. */
  constructor(private readonly settings: Settings) {
    this.agent = new AgentDesk({
      agentReplies: settings.agentReplies,
      outboundWebhook: settings.outboundWebhook,
      webhookDelivery: settings.webhookDelivery,
      now: settings.now,
      closing: this.closing.signal,
    });
    // The integration names the webhook the agent posts to now, so a change at runtime shows.
    this.integrations = new IntegrationSettings(
      () => this.agent.outboundWebhook(),
      settings.supportedContent,
      settings.integrationState,
    );
    this.openMessaging = new OpenMessagingSandbox(settings, this.closing.signal, this.agent);
    this.webMessaging = new WebMessagingSandbox(settings.webMessaging, {
      baseUrl: () => this.url,
      now: settings.now,
      seed: settings.seed,
      faults: settings.faults,
      closing: this.closing.signal,
      agent: this.agent,
    });
    this.app = createSandboxApp({
      bodyLimit: settings.maxBodyBytes,
      onUndecodableUrl: (_request, reply) => {
        this.openMessaging.notFound(reply);
      },
    });
    registerOpenMessagingRoutes(this.app, this.openMessaging);
    registerAgentRoutes(this.app, this.agent, (reply, answer) =>
      this.openMessaging.send(reply, answer, false),
    );
    registerIntegrationRoutes(this.app, this.openMessaging, this.integrations, () => this.url);
    this.webMessaging.register(this.app);
    const uploads = this.webMessaging.uploadsHttp;
    this.app.setNotFoundHandler((request, reply) =>
      uploads.isUploadPath(request.url)
        ? uploads.answer(request, reply)
        : answerUnrouted(this.openMessaging, request, reply),
    );
    this.app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.webMessaging.handleUpgrade(request, socket, head)) socket.destroy();
    });
  }

  get port(): number {
    return this.listeningAddress().port;
  }

  get host(): string {
    return this.settings.host;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async listen(): Promise<void> {
    await this.app.ready();
    const { server } = this.app;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.settings.port, this.settings.host, () => {
        server.off('error', reject);
        this.address = server.address() as AddressInfo;
        resolve();
      });
    });
  }

  received(): readonly ReceivedRequest[] {
    return this.openMessaging.received();
  }

  arrivals(): readonly ReceivedCopy[] {
    return this.openMessaging.arrivals();
  }

  stats(): SandboxStats {
    return this.openMessaging.stats();
  }

  setFaults(faults: SandboxFaultRates): void {
    this.openMessaging.setFaults(faults);
  }

  script(answers: readonly ScriptStep[]): void {
    this.openMessaging.script(answers);
  }

  revokeAllTokens(): void {
    this.openMessaging.revokeAllTokens();
  }

  issuedTokens(): readonly string[] {
    return this.openMessaging.issuedTokens();
  }

  setIntegrationState(state: SandboxIntegrationState): void {
    this.integrations.setState(state);
  }

  setSupportedContent(content: SandboxSupportedContent): void {
    this.integrations.setSupportedContent(content);
  }

  reset(): void {
    this.openMessaging.reset();
    this.agent.reset();
  }

  outboundWebhook(): SandboxOutboundWebhook | null {
    return this.agent.outboundWebhook();
  }

  setOutboundWebhook(webhook: SandboxOutboundWebhook | null): void {
    this.agent.setOutboundWebhook(webhook);
  }

  setAgentReplies(replies: SandboxAgentReplies | null): void {
    this.agent.setAgentReplies(replies);
  }

  setWebhookDelivery(delivery: SandboxWebhookDelivery): void {
    this.agent.setWebhookDelivery(delivery);
  }

  outboundDeliveries(): readonly WebhookDelivery[] {
    return this.agent.deliveries();
  }

  agentMessages(): readonly SandboxAgentMessage[] {
    return this.agent.agentMessages();
  }

  outboundStats(): SandboxOutboundStats {
    return this.agent.stats();
  }

  outboundSettled(): Promise<void> {
    return this.agent.settled();
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutDown(): Promise<void> {
    this.openMessaging.close();
    this.closing.abort();
    this.webMessaging.close();
    await this.agent.close();
    const { server } = this.app;
    const serverClosed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    // Keep-alive sockets would otherwise hold close() (and the process) for the idle timeout.
    server.closeAllConnections();
    await serverClosed;
    // The server is ours (serverFactory), so fastify only runs its own onClose work here.
    await this.app.close();
  }

  private listeningAddress(): AddressInfo {
    if (this.address === undefined) throw new Error('the sandbox is not listening');
    return this.address;
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = new SandboxServer(resolveSettings(options));
  await sandbox.listen();
  return sandbox;
}
