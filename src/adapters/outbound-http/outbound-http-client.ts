import { Agent, request, type Dispatcher } from 'undici';
import {
  guardedLookup,
  refusedLiteral,
  systemResolver,
  type AddressPolicy,
  type HostResolver,
} from './address-guard.js';
import { failureOf, type FailureContext, type OutboundFailure } from './outbound-failure.js';

export interface OutboundHttpOptions {
  readonly addresses: AddressPolicy;
  /** Sockets kept open per origin; undici's default (no limit) when absent. */
  readonly connectionsPerOrigin?: number;
  /** Resolves names for the `public` policy; node:dns unless a test brings its own. */
  readonly resolve?: HostResolver;
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  /** Names are case-insensitive: a later spelling of the same name replaces an earlier one. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The whole exchange, connect to the last byte of the answer. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type Exchange =
  | { readonly ok: true; readonly answer: OutboundAnswer }
  | { readonly ok: false; readonly failure: OutboundFailure };

export type BodyRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly truncated: boolean }
  | { readonly ok: false; readonly failure: OutboundFailure };

/**
 * What to do with an answer longer than the caller reads: `fail` says OUTBOUND_ANSWER_TOO_LARGE
 * (up front when Content-Length already says so), `truncate` keeps the first bytes and drops the
 * connection instead of reading on.
 */
export type OverCap = 'fail' | 'truncate';

/**
 * One outbound HTTP client on undici, configured once per adapter: an `Agent` whose connect
 * `lookup` is the SSRF guard, a deadline over the whole exchange (undici's headers and body
 * timeouts set to the same bound), a cap on what is read of an answer. Redirects are never
 * followed: a 3xx is an answer like any other, for the caller to sort. Expected failures resolve
 * as values; nothing here throws for the network.
 */
export class OutboundHttpClient {
  private readonly agent: Agent;
  private readonly addresses: AddressPolicy;

  constructor(options: OutboundHttpOptions) {
    this.addresses = options.addresses;
    const lookup =
      options.addresses.kind === 'any'
        ? undefined
        : guardedLookup(options.addresses, options.resolve ?? systemResolver);
    this.agent = new Agent({
      ...(lookup === undefined ? {} : { connect: { lookup } }),
      ...(options.connectionsPerOrigin === undefined
        ? {}
        : { connections: options.connectionsPerOrigin }),
    });
  }

  /** Sends the request; resolves once the answer's status and headers are in. */
  async send(outbound: OutboundRequest): Promise<Exchange> {
    const refused = refusedLiteral(outbound.url, this.addresses);
    if (refused !== null) {
      return { ok: false, failure: { code: 'OUTBOUND_HOST_REFUSED', detail: refused } };
    }
    const caller = outbound.signal;
    if (caller?.aborted === true) {
      return { ok: false, failure: { code: 'OUTBOUND_ABORTED', detail: 'aborted' } };
    }
    const deadline = AbortSignal.timeout(outbound.timeoutMs);
    const context: FailureContext = {
      callerSignal: caller,
      deadline,
      timeoutMs: outbound.timeoutMs,
    };
    try {
      const response = await request(outbound.url, {
        dispatcher: this.agent,
        method: outbound.method,
        headers: mergeHeaders(outbound.headers),
        body: outbound.body ?? null,
        signal: caller === undefined ? deadline : AbortSignal.any([caller, deadline]),
        headersTimeout: outbound.timeoutMs,
        bodyTimeout: outbound.timeoutMs,
      });
      return { ok: true, answer: new OutboundAnswer(response, context) };
    } catch (error) {
      return { ok: false, failure: failureOf(error, context) };
    }
  }

  /** Closes the pooled sockets; requests in flight are cut off. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

/** An answer whose body is still on the wire: read it, or discard it. */
export class OutboundAnswer {
  readonly status: number;

  constructor(
    private readonly response: Dispatcher.ResponseData,
    private readonly context: FailureContext,
  ) {
    this.status = response.statusCode;
  }

  /** The first value of a header, or undefined. */
  header(name: string): string | undefined {
    const value = this.response.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  async read(maxBytes: number, overCap: OverCap): Promise<BodyRead> {
    const { body } = this.response;
    const declared = Number(this.header('content-length') ?? NaN);
    if (overCap === 'fail' && Number.isFinite(declared) && declared > maxBytes) {
      drop(body);
      return tooLarge(maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (size + chunk.length > maxBytes) {
          if (overCap === 'fail') return tooLarge(maxBytes);
          chunks.push(chunk.subarray(0, maxBytes - size));
          size = maxBytes;
          return { ok: true, bytes: Buffer.concat(chunks, size), truncated: true };
        }
        chunks.push(chunk);
        size += chunk.length;
      }
    } catch (error) {
      return { ok: false, failure: failureOf(error, this.context) };
    }
    return { ok: true, bytes: Buffer.concat(chunks, size), truncated: false };
  }

  /** The body is not wanted: drained in the background (bounded by the body timeout). */
  discard(): void {
    this.response.body.dump().catch(() => undefined);
  }
}

/** Closes the connection under an unread body; undici reports that as an error nobody wants. */
function drop(body: Dispatcher.ResponseData['body']): void {
  body.once('error', () => undefined);
  body.destroy();
}

function tooLarge(maxBytes: number): BodyRead {
  return {
    ok: false,
    failure: { code: 'OUTBOUND_ANSWER_TOO_LARGE', detail: `larger than ${String(maxBytes)} bytes` },
  };
}

function mergeHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) merged[name.toLowerCase()] = value;
  return merged;
}
