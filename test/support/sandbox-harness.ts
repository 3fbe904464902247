import { onTestFinished } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { RunningSandbox, SandboxOptions } from '../../src/sandbox/index.js';

/** The sandbox's default client, as `Authorization: Basic` for its token endpoint. */
export const SANDBOX_BASIC_AUTH = `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`;

/** Starts a sandbox that closes when the calling test finishes, whether it passed or not. */
export async function sandboxWith(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox(options);
  onTestFinished(() => sandbox.close());
  return sandbox;
}

/** POST /oauth/token over fetch as the default client, with the given form body. */
export function requestToken(
  sandbox: RunningSandbox,
  body = 'grant_type=client_credentials',
): Promise<Response> {
  return fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: SANDBOX_BASIC_AUTH,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
}
