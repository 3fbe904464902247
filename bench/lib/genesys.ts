/** The sandbox Genesys in a child process, and the two ways of talking to it we compare. */
import platformClient from 'purecloud-platform-client-v2';
import type { OpenMessagingOptions } from '../../src/adapters/genesys/open-messaging/open-messaging-options.js';
import type { SandboxOptions } from '../../src/sandbox/index.js';
import type { Transmitter } from '../../src/application/transmitter.js';
import { createTransmitter, type TransmitterOptions } from '../../src/main.js';
import { BenchChild, cpuMs, type CpuTime } from './child.js';
import { INTEGRATION_ID, SANDBOX_CLIENT, messageInput, transmitterOptions } from './fixtures.js';

export interface SandboxProcess {
  readonly child: BenchChild;
  readonly url: string;
  readonly genesys: OpenMessagingOptions;
}

export async function startSandboxProcess(options: SandboxOptions): Promise<SandboxProcess> {
  const child = await BenchChild.start('sandbox-child', {
    integrationIds: [INTEGRATION_ID],
    ...options,
  });
  const url = String(child.ready['url']);
  return {
    child,
    url,
    genesys: {
      environment: 'mypurecloud.com',
      apiUrl: url,
      clientId: SANDBOX_CLIENT.clientId,
      clientSecret: SANDBOX_CLIENT.clientSecret,
      integrationId: INTEGRATION_ID,
    },
  };
}

/** Our transmitter on a fresh ledger, real SDK transport, logged in before it is measured. */
export async function sandboxTransmitter(
  sandbox: SandboxProcess,
  ledgerPath: string,
  overrides: Partial<TransmitterOptions> = {},
): Promise<Transmitter> {
  const transmitter = createTransmitter(
    transmitterOptions(ledgerPath, { genesys: sandbox.genesys, ...overrides }),
  );
  await transmitter.verifyTransport();
  return transmitter;
}

export interface BareSdk {
  readonly client: platformClient.ApiClientClass;
  readonly api: platformClient.ConversationsApi;
  send(run: string, n: number, guests: number): Promise<unknown>;
}

/**
 * A plain SDK client set up the way its README shows, logged in, calling
 * postConversationsMessageInboundOpenMessage with the body our transport sends for the same
 * message. `muteLogger` replaces the SDK's per-call log formatting with a no-op (a diagnostic).
 */
export async function bareSdk(sandboxUrl: string, muteLogger = false): Promise<BareSdk> {
  const client = new platformClient.ApiClientClass();
  client.config.live_reload_config = false;
  const url = new URL(sandboxUrl);
  client.setGateway({ host: url.hostname, protocol: 'http', port: Number(url.port) });
  if (muteLogger) {
    (client.config.logger as unknown as { log: (...args: unknown[]) => void }).log = () =>
      undefined;
  }
  await client.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
  const api = new platformClient.ConversationsApi(client);
  return {
    client,
    api,
    send: (run, n, guests) => {
      const input = messageInput(run, n, guests);
      return api.postConversationsMessageInboundOpenMessage(
        INTEGRATION_ID,
        {
          channel: {
            from: { id: input.guest.id, idType: 'Opaque', nickname: input.guest.nickname ?? '' },
            time: new Date().toISOString(),
            messageId: input.id ?? '',
          },
          text: input.text ?? '',
          metadata: { ...input.metadata },
        },
        { prefetchConversationId: true },
      );
    },
  };
}

/** CPU of this process and of the sandbox over `work`, in ms. */
export async function withCpu<T>(
  sandbox: SandboxProcess,
  work: () => Promise<T>,
): Promise<{ result: T; selfCpuMs: number; sandboxCpuMs: number; seconds: number }> {
  const sandboxBefore: CpuTime = await sandbox.child.cpu();
  const selfBefore = process.cpuUsage();
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  const selfCpuMs = cpuMs({ user: 0, system: 0 }, process.cpuUsage(selfBefore));
  const sandboxCpuMs = cpuMs(sandboxBefore, await sandbox.child.cpu());
  return { result, selfCpuMs, sandboxCpuMs, seconds };
}

/** Runs `count` calls with at most `concurrency` in flight. */
export async function closedLoop(
  count: number,
  concurrency: number,
  call: (n: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = next;
        next += 1;
        await call(n);
      }
    }),
  );
}
