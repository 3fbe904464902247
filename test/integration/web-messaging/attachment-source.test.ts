import { createHash } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  AttachmentSource,
  type AttachmentSourceOptions,
} from '../../../src/adapters/genesys/web-messaging/attachment-source.js';
import type { HostResolver } from '../../../src/adapters/outbound-http/index.js';
import type { Attachment } from '../../../src/domain/index.js';
import { serveLocally, type Handler } from '../../support/local-server.js';

const BYTES = Buffer.from('0123456789'.repeat(100));

async function serve(handler: Handler) {
  const server = await serveLocally(handler);
  return {
    port: server.port,
    get paths() {
      return server.requests.map((req) => req.url ?? '');
    },
  };
}

/** Every name resolves to the given addresses, as a hostile DNS server could answer. */
const resolvesTo =
  (...addresses: string[]): HostResolver =>
  () =>
    Promise.resolve(addresses.map((address): LookupAddress => ({ address, family: 4 })));

function source(options: Partial<AttachmentSourceOptions> = {}, resolve?: HostResolver) {
  const s = new AttachmentSource(
    { maxBytes: 4096, timeoutMs: 5_000, allowLoopback: false, allowFiles: false, ...options },
    resolve,
  );
  onTestFinished(() => s.close());
  return s;
}

function attachment(url: string, extra: Partial<Attachment> = {}): Attachment {
  return { url, mime: 'text/plain', filename: 'a.txt', sizeBytes: BYTES.length, ...extra };
}

const never = new AbortController().signal;

describe('AttachmentSource over the outbound HTTP client', () => {
  it('refuses a public-looking name that resolves to a private or loopback address', async () => {
    const server = await serve((_req, res) => res.end(BYTES));
    for (const address of ['10.0.0.7', '127.0.0.1', '169.254.169.254']) {
      const load = await source({}, resolvesTo('93.184.216.34', address)).load(
        attachment(`https://files.example:${String(server.port)}/a.txt`),
        never,
      );
      expect(load).toEqual({
        ok: false,
        failure: expect.objectContaining({
          kind: 'permanent',
          code: 'ATTACHMENT_SOURCE_REFUSED',
          message: 'the attachment host files.example resolves to an address that is not public',
        }) as unknown,
      });
    }
    expect(server.paths).toEqual([]);
  });

  it('fetches from the checked loopback address when loopback is allowed, checking the digest', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(BYTES);
    });
    const sha256 = createHash('sha256').update(BYTES).digest('hex');
    const load = await source({ allowLoopback: true }, resolvesTo('127.0.0.1')).load(
      attachment(`http://files.example:${String(server.port)}/a.txt`, { sha256 }),
      never,
    );
    expect(load.ok && load.file.bytes.equals(BYTES)).toBe(true);
    expect(load.ok && load.file.md5).toBe(createHash('md5').update(BYTES).digest('base64'));
  });

  it('refuses an answer larger than maxBytes, declared or streamed', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': String(BYTES.length) });
      else res.writeHead(200);
      res.end(BYTES);
    });
    const small = source({ allowLoopback: true, maxBytes: 100 });
    for (const path of ['/declared', '/streamed']) {
      const load = await small.load(
        attachment(`http://127.0.0.1:${String(server.port)}${path}`),
        never,
      );
      expect(load).toMatchObject({
        ok: false,
        failure: {
          code: 'ATTACHMENT_SOURCE_REFUSED',
          message: 'the attachment is larger than 100 bytes',
        },
      });
    }
  });

  it('sorts answers: 5xx and 429 transient, 404 and an unfollowed redirect permanent', async () => {
    const server = await serve((req, res) => {
      const status = Number(req.url?.slice(1));
      res.writeHead(status, status === 302 ? { location: '/200' } : {});
      res.end(status === 200 ? BYTES : 'no');
    });
    const s = source({ allowLoopback: true });
    const base = `http://127.0.0.1:${String(server.port)}`;
    const cases = [
      [503, 'transient'],
      [429, 'transient'],
      [404, 'permanent'],
      [302, 'permanent'],
    ] as const;
    for (const [status, kind] of cases) {
      expect(await s.load(attachment(`${base}/${String(status)}`), never)).toMatchObject({
        ok: false,
        failure: {
          kind,
          code: 'ATTACHMENT_FETCH_FAILED',
          message: `the attachment url answered HTTP ${String(status)}`,
        },
      });
    }
    expect(server.paths).not.toContain('/200');
  });

  it('gives up at the timeout, and reports an abort as ABORTED', async () => {
    const server = await serve(() => undefined);
    const url = `http://127.0.0.1:${String(server.port)}/slow`;
    expect(
      await source({ allowLoopback: true, timeoutMs: 150 }).load(attachment(url), never),
    ).toMatchObject({
      ok: false,
      failure: {
        kind: 'transient',
        code: 'ATTACHMENT_FETCH_FAILED',
        message: 'the attachment could not be fetched: no answer within 150 ms',
      },
    });
    const controller = new AbortController();
    const pending = source({ allowLoopback: true }).load(attachment(url), controller.signal);
    setTimeout(() => {
      controller.abort();
    }, 50);
    expect(await pending).toMatchObject({
      ok: false,
      failure: { kind: 'transient', code: 'ABORTED' },
    });
  });
});
