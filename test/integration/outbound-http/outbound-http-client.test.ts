import type { IncomingMessage } from 'node:http';
import type { LookupAddress } from 'node:dns';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  OutboundHttpClient,
  type AddressPolicy,
  type HostResolver,
  type OutboundHttpOptions,
  type OutboundRequest,
} from '../../../src/adapters/outbound-http/index.js';
import { serveLocally, type Handler } from '../../support/local-server.js';

interface Served {
  readonly port: number;
  /** Host headers of the requests that reached the server. */
  readonly hosts: string[];
}

async function serve(handler: Handler): Promise<Served> {
  const server = await serveLocally(handler);
  return {
    port: server.port,
    get hosts() {
      return server.requests.map((req) => req.headers.host ?? '');
    },
  };
}

function client(
  addresses: AddressPolicy,
  extra: Omit<OutboundHttpOptions, 'addresses'> = {},
): OutboundHttpClient {
  const c = new OutboundHttpClient({ addresses, ...extra });
  onTestFinished(() => c.close());
  return c;
}

/** A resolver that knows a few names and counts how often it was asked. */
function resolver(names: Readonly<Record<string, readonly string[]>>) {
  const asked: string[] = [];
  const resolve: HostResolver = (hostname) => {
    asked.push(hostname);
    const addresses = names[hostname];
    if (addresses === undefined) {
      return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    }
    return Promise.resolve(
      addresses.map((address): LookupAddress => ({
        address,
        family: address.includes(':') ? 6 : 4,
      })),
    );
  };
  return { resolve, asked };
}

function get(url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest {
  return { method: 'GET', url: new URL(url), headers: {}, timeoutMs: 5_000, ...extra };
}

const ok: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello');
};

const PUBLIC_ONLY: AddressPolicy = { kind: 'public', allowLoopback: false };
const WITH_LOOPBACK: AddressPolicy = { kind: 'public', allowLoopback: true };

describe('OutboundHttpClient: the SSRF guard', () => {
  it('refuses literal hosts that are not public, in any spelling, without connecting', async () => {
    const server = await serve(ok);
    const c = client(PUBLIC_ONLY);
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '127.1', '[::1]', '[::ffff:7f00:1]']) {
      const exchange = await c.send(get(`http://${host}:${String(server.port)}/`));
      expect(exchange).toMatchObject({
        ok: false,
        failure: {
          code: 'OUTBOUND_HOST_REFUSED',
          detail: expect.stringMatching(/ is not public$/) as unknown,
        },
      });
    }
    expect(await c.send(get('https://10.0.0.8/a.png'))).toMatchObject({
      ok: false,
      failure: { code: 'OUTBOUND_HOST_REFUSED' },
    });
    expect(server.hosts).toEqual([]);
  });

  it('checks every address a name resolves to, at connect time', async () => {
    const server = await serve(ok);
    const names = resolver({
      'files.example': ['127.0.0.1'],
      'mixed.example': ['8.8.8.8', '10.0.0.1'],
    });
    const c = client(PUBLIC_ONLY, { resolve: names.resolve });
    for (const name of ['files.example', 'mixed.example']) {
      expect(await c.send(get(`http://${name}:${String(server.port)}/`))).toMatchObject({
        ok: false,
        failure: {
          code: 'OUTBOUND_HOST_REFUSED',
          detail: `${name} resolves to an address that is not public`,
        },
      });
    }
    expect(names.asked).toEqual(['files.example', 'mixed.example']);
    expect(server.hosts).toEqual([]);
  });

  it('connects to the very address it checked when loopback is allowed', async () => {
    const server = await serve(ok);
    // The system resolver does not know this name: only the checked answer can reach the server.
    const names = resolver({ 'files.example': ['127.0.0.1'] });
    const c = client(WITH_LOOPBACK, { resolve: names.resolve });
    const exchange = await c.send(get(`http://files.example:${String(server.port)}/a`));
    if (!exchange.ok) throw new Error(JSON.stringify(exchange.failure));
    expect(exchange.answer.status).toBe(200);
    expect(await exchange.answer.read(100, 'fail')).toMatchObject({ ok: true, truncated: false });
    expect(server.hosts).toEqual([`files.example:${String(server.port)}`]);
    expect(names.asked).toEqual(['files.example']);
    // Private addresses stay refused even with loopback allowed.
    expect(await c.send(get('http://192.168.1.1/'))).toMatchObject({
      ok: false,
      failure: { code: 'OUTBOUND_HOST_REFUSED' },
    });
  });

  it('lets any address through for an operator-configured destination', async () => {
    const server = await serve(ok);
    const exchange = await client({ kind: 'any' }).send(
      get(`http://127.0.0.1:${String(server.port)}/`),
    );
    expect(exchange.ok && exchange.answer.status).toBe(200);
  });

  it('reports a DNS failure as a network failure with its code', async () => {
    const names = resolver({});
    expect(
      await client(PUBLIC_ONLY, { resolve: names.resolve }).send(get('https://nowhere.example/')),
    ).toEqual({
      ok: false,
      failure: { code: 'OUTBOUND_NETWORK', detail: 'ENOTFOUND' },
    });
  });
});

describe('OutboundHttpClient: deadlines, caps, redirects', () => {
  it('ends a request whose answer never comes at the deadline', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const exchange = await client({ kind: 'any' }).send(
      get(`http://127.0.0.1:${String(server.port)}/`, { timeoutMs: 150 }),
    );
    expect(exchange).toEqual({
      ok: false,
      failure: { code: 'OUTBOUND_TIMEOUT', detail: 'no answer within 150 ms' },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('bounds the whole exchange: a body that keeps dripping is cut off at the deadline', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('x'), 20);
      res.on('close', () => {
        clearInterval(drip);
      });
    });
    const exchange = await client({ kind: 'any' }).send(
      get(`http://127.0.0.1:${String(server.port)}/`, { timeoutMs: 300 }),
    );
    if (!exchange.ok) throw new Error(JSON.stringify(exchange.failure));
    expect(await exchange.answer.read(1_000_000, 'fail')).toMatchObject({
      ok: false,
      failure: { code: 'OUTBOUND_TIMEOUT' },
    });
  });

  it("tells the caller's abort apart from the deadline", async () => {
    const server = await serve(() => undefined);
    const url = `http://127.0.0.1:${String(server.port)}/`;
    const c = client({ kind: 'any' });
    const controller = new AbortController();
    const pending = c.send(get(url, { signal: controller.signal }));
    setTimeout(() => {
      controller.abort();
    }, 50);
    expect(await pending).toEqual({
      ok: false,
      failure: { code: 'OUTBOUND_ABORTED', detail: 'aborted' },
    });
    expect(await c.send(get(url, { signal: AbortSignal.abort() }))).toMatchObject({
      ok: false,
      failure: { code: 'OUTBOUND_ABORTED' },
    });
  });

  it('caps what is read: fails on Content-Length up front or while streaming, or truncates', async () => {
    const big = Buffer.alloc(10_000, 7);
    const server = await serve((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(big.length) });
        res.end(big);
        return;
      }
      res.writeHead(200); // chunked: no Content-Length
      res.write(big.subarray(0, 6_000));
      res.end(big.subarray(6_000));
    });
    const c = client({ kind: 'any' });
    const base = `http://127.0.0.1:${String(server.port)}`;
    const read = async (path: string, max: number, overCap: 'fail' | 'truncate') => {
      const exchange = await c.send(get(`${base}${path}`));
      if (!exchange.ok) throw new Error(JSON.stringify(exchange.failure));
      return exchange.answer.read(max, overCap);
    };
    const tooLarge = {
      ok: false,
      failure: { code: 'OUTBOUND_ANSWER_TOO_LARGE', detail: 'larger than 4096 bytes' },
    };
    expect(await read('/declared', 4096, 'fail')).toEqual(tooLarge);
    expect(await read('/chunked', 4096, 'fail')).toEqual(tooLarge);
    const truncated = await read('/chunked', 4096, 'truncate');
    expect(truncated).toMatchObject({ ok: true, truncated: true });
    expect(truncated.ok && truncated.bytes.equals(big.subarray(0, 4096))).toBe(true);
    const whole = await read('/declared', big.length, 'fail');
    expect(whole.ok && whole.bytes.equals(big)).toBe(true);
    expect(whole).toMatchObject({ truncated: false });
  });

  it('never follows a redirect: the 3xx is the answer', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    const exchange = await client({ kind: 'any' }).send(
      get(`http://127.0.0.1:${String(server.port)}/`),
    );
    if (!exchange.ok) throw new Error(JSON.stringify(exchange.failure));
    expect(exchange.answer.status).toBe(302);
    expect(exchange.answer.header('Location')).toBe('/elsewhere');
    exchange.answer.discard();
    expect(server.hosts).toHaveLength(1);
  });

  it('sends one value per header name, the later spelling winning, and the body', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end();
      });
    });
    const exchange = await client({ kind: 'any' }).send({
      method: 'PUT',
      url: new URL(`http://127.0.0.1:${String(server.port)}/upload`),
      headers: { 'content-type': 'text/plain', 'Content-Type': 'image/png', 'X-Sig': 'abc' },
      body: Buffer.from('bytes'),
      timeoutMs: 5_000,
    });
    expect(exchange.ok && exchange.answer.status).toBe(200);
    expect(seen[0]?.headers).toMatchObject({ 'content-type': 'image/png', 'x-sig': 'abc' });
    expect(seen[0]?.body).toBe('bytes');
  });

  it('reports a closed port as a network failure with the errno code', async () => {
    expect(await client({ kind: 'any' }).send(get('http://127.0.0.1:1/'))).toEqual({
      ok: false,
      failure: { code: 'OUTBOUND_NETWORK', detail: 'ECONNREFUSED' },
    });
  });
});
