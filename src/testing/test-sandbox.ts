import type { OpenMessagingOptions } from '../adapters/genesys/open-messaging/open-messaging-options.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../sandbox/index.js';

export interface TestSandboxOptions extends SandboxOptions {
  /**
   * The integration id `genesys` names; default the first of `integrationIds`, or
   * `integration-test`. Unless `integrationIds` says otherwise, it is the one integration the
   * sandbox serves: a call naming any other gets 404, as from Genesys.
   */
  readonly integrationId?: string;
}

/** A running sandbox Genesys, plus the settings that point the real SDK transport at it. */
export interface TestSandbox extends RunningSandbox {
  /** Pass as `createTestTransmitter({ genesys })` or `createTransmitter({ genesys })`. */
  readonly genesys: OpenMessagingOptions;
}

/**
 * Starts the sandbox Genesys on a free loopback port. Stop it with `await sandbox.close()`, or
 * let `await using sandbox = await startTestSandbox()` do it (Node 20.4+ has
 * `Symbol.asyncDispose`; the syntax needs TypeScript 5.2+ or a transpiler that lowers it).
 */
export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<TestSandbox> {
  const { integrationId: named, ...sandboxOptions } = options;
  const integrationId = named ?? options.integrationIds?.[0] ?? 'integration-test';
  const sandbox = await startSandbox({
    port: 0,
    ...sandboxOptions,
    integrationIds: options.integrationIds ?? [integrationId],
  });
  const client = options.clients?.[0] ?? {
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
  };
  const genesys: OpenMessagingOptions = {
    environment: 'mypurecloud.com',
    apiUrl: sandbox.url,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    integrationId,
  };
  return Object.assign(sandbox, { genesys });
}
