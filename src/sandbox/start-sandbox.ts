import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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
  SandboxSupportedContent,
} from './types.js';
import { WebMessagingSandbox } from './web-messaging/web-messaging-sandbox.js';

interface Settings extends OpenMessagingSettings {
  readonly host: string;
  readonly port: number;
  readonly webMessaging: NonNullable<SandboxOptions['webMessaging']>;
  readonly integrations: IntegrationSettings;
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
    integrations: new IntegrationSettings(
      options.outboundWebhook,
      options.supportedContent,
      options.integrationState,
    ),
  };
}

/**
 * One fastify app on one port for both protocols: the Open Messaging routes and the uploads as
 * fastify routes, the Web Messaging guest API on the server's `upgrade` event.
 */
class SandboxServer implements RunningSandbox {
  private readonly app: SandboxApp;
  private readonly openMessaging: OpenMessagingSandbox;
  /** Aborts pending slow answers so close() never waits on them. */
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private address: AddressInfo | undefined;
  readonly webMessaging: WebMessagingSandbox;

  constructor(private readonly settings: Settings) {
    this.openMessaging = new OpenMessagingSandbox(settings, this.closing.signal);
    this.webMessaging = new WebMessagingSandbox(settings.webMessaging, {
      baseUrl: () => this.url,
      now: settings.now,
      seed: settings.seed,
      faults: settings.faults,
      closing: this.closing.signal,
    });
    this.app = createSandboxApp({
      bodyLimit: settings.maxBodyBytes,
      onUndecodableUrl: (_request, reply) => {
        this.openMessaging.notFound(reply);
      },
    });
    registerOpenMessagingRoutes(this.app, this.openMessaging);
    registerIntegrationRoutes(this.app, this.openMessaging, settings.integrations, () => this.url);
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
    this.settings.integrations.setState(state);
  }

  setSupportedContent(content: SandboxSupportedContent): void {
    this.settings.integrations.setSupportedContent(content);
  }

  reset(): void {
    this.openMessaging.reset();
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
