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

/** Genesys' limit per token (`client.credentials.token.rate.per.minute`): 300 requests a minute. */
export const GENESYS_RATE_PER_MINUTE = 300;

/** How fast a test's client sends: the settings of its rate limiter. */
export interface ClientPace {
  readonly perMinute: number;
  /** Calls that may go at once after an idle spell; the library's default, and the CLI's, is 1. */
  readonly burst: number;
}

/** A pace and the settings that make the client and the sandbox keep it. */
export interface PacedRun {
  readonly client: ClientPace;
  /** For `startSandbox`: the per-token limit on, sized to the client's pace. */
  readonly sandbox: { readonly rateLimitPerMinute: number };
  /** For a `gtx` run (burst 1): `GTX_RATE_LIMIT_PER_MINUTE`. */
  readonly env: { readonly GTX_RATE_LIMIT_PER_MINUTE: string };
}

/**
 * The pace of an end-to-end or reliability run. The sandbox's per-token limit stays on, at the
 * client's rate plus its burst (a GCRA limiter sends at most that many in any 60 s window), so a
 * client that keeps to its pace never meets the limit, one that does not gets Genesys' 429s, and
 * `stats().rateLimitedByWindow` tells the two apart. Default: Genesys' own rate, one call at a
 * time. A test that needs more names its rate and says why.
 */
export function paced(pace: Partial<ClientPace> = {}): PacedRun {
  const client = {
    perMinute: pace.perMinute ?? GENESYS_RATE_PER_MINUTE,
    burst: pace.burst ?? 1,
  };
  return {
    client,
    sandbox: { rateLimitPerMinute: client.perMinute + client.burst - 1 },
    env: { GTX_RATE_LIMIT_PER_MINUTE: String(client.perMinute) },
  };
}
