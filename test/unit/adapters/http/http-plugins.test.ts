import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ApiKeys } from '../../../../src/adapters/http/api-keys.js';
import { buildHttpApi } from '../../../../src/adapters/http/http-server.js';
import { Readiness } from '../../../../src/adapters/http/readiness.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import { ServiceMetrics } from '../../../../src/adapters/http/metrics/service-metrics.js';

const KEY_A = 'unit-key-aaaaaaaaaaaaaaaa';
const KEY_B = 'unit-key-bbbbbbbbbbbbbbbb';

/** A dependency these tests never reach, of any type: any use of it fails the test. */
function untouched(name: string): never {
  return new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`${name}.${String(property)} was used`);
      },
    },
  ) as never;
}

interface RouteSeen {
  readonly method: string;
  readonly url: string;
  readonly publicRoute: boolean;
}

async function startApi(
  options: { keys?: string; perMinute?: number } = {},
): Promise<{ app: FastifyInstance; routes: RouteSeen[]; logger: InMemoryLogger }> {
  const logger = new InMemoryLogger();
  const api = buildHttpApi(
    {
      transmitter: untouched('transmitter'),
      ledger: untouched('ledger'),
      metrics: new ServiceMetrics(
        { pending: () => Promise.resolve(0), rateLimitWaitMs: () => 0 },
        { collectProcessMetrics: false },
      ),
      readiness: new Readiness([]),
      logger,
      apiKeys: ApiKeys.fromSetting(options.keys ?? `${KEY_A},${KEY_B}`),
    },
    {
      maxBatch: 10,
      bodyLimitBytes: 4096,
      version: '9.9.9',
      ratePerMinute: options.perMinute ?? 100,
    },
  );
  const routes: RouteSeen[] = [];
  // Added before ready: the route plugins load at ready, under this root hook.
  api.app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, publicRoute: route.config?.publicRoute === true });
    }
  });
  await api.app.ready();
  onTestFinished(() => api.close(1000));
  return { app: api.app, routes, logger };
}

function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the OpenAPI document generated from the routes', () => {
  it('documents every route but HEAD, with the bearer scheme, and public routes need no key', async () => {
    const { app, routes } = await startApi();
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json<{
      openapi: string;
      info: { version: string };
      security: unknown;
      components: { securitySchemes: unknown; schemas: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: object }>>;
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
    expect(doc.components.securitySchemes).toEqual({ apiKey: { type: 'http', scheme: 'bearer' } });
    expect(doc.security).toEqual([{ apiKey: [] }]);

    const served = routes.filter((route) => route.method !== 'HEAD');
    expect(served.length).toBeGreaterThanOrEqual(9);
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      served.map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`).sort(),
    );
    for (const route of served) {
      const operation =
        doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      if (route.publicRoute) {
        expect(operation?.security, route.url).toEqual([]);
      } else {
        expect(operation?.security, route.url).toBeUndefined();
        expect(Object.keys(operation?.responses ?? {}), route.url).toEqual(
          expect.arrayContaining(['401', '429']),
        );
      }
    }
    expect(
      served
        .filter((route) => route.publicRoute)
        .map((route) => route.url)
        .sort(),
    ).toEqual(['/healthz', '/openapi.json', '/readyz']);
  });

  it('names the shared schemas and refers to them from bodies and answers', async () => {
    const { app } = await startApi();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      components: { schemas: Record<string, unknown> };
      paths: Record<string, Record<string, Record<string, unknown>>>;
    }>();
    expect(Object.keys(doc.components.schemas).sort()).toEqual([
      'BatchResult',
      'CommandStatus',
      'Error',
      'EventsPage',
      'IntakeItem',
      'MessageInput',
      'ReceiptInput',
      'RecordedEvent',
      'RedriveResult',
      'Transcript',
      'TypingInput',
      'WebhookAccepted',
    ]);
    expect(doc.paths['/v1/messages/{id}/redrive']?.['post']?.['responses']).toMatchObject({
      202: {
        content: { 'application/json': { schema: { $ref: '#/components/schemas/RedriveResult' } } },
      },
      409: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    });
    const post = doc.paths['/v1/receipts']?.['post'];
    expect(post?.['requestBody']).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [
              { $ref: '#/components/schemas/ReceiptInput' },
              {
                type: 'array',
                minItems: 1,
                maxItems: 10,
                items: { $ref: '#/components/schemas/ReceiptInput' },
              },
            ],
          },
        },
      },
    });
    expect(post?.['parameters']).toEqual([
      expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: false }),
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/"\$id"|def-\d|nullable/);
  });
});

describe('authentication', () => {
  it('refuses a missing or wrong key with 401 before the route, on unmatched URLs too', async () => {
    const { app } = await startApi();
    const missing = await app.inject({ method: 'GET', url: '/metrics' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="gtx"');
    expect(missing.json()).toMatchObject({ error: { code: 'AUTH_REQUIRED' } });
    const wrong = await app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: bearer(`${KEY_A}x`),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
    const known = await app.inject({ method: 'GET', url: '/nowhere', headers: bearer(KEY_B) });
    expect(known.statusCode).toBe(404);
    expect(known.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('logs the caller by key name, never the key', async () => {
    const { app, logger } = await startApi();
    await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_B) });
    const line = logger.records.find((record) => record.message === 'http request');
    expect(line?.fields).toMatchObject({ route: '/metrics', status: 200, caller: 'key-2' });
    expect(JSON.stringify(logger.records)).not.toContain(KEY_B);
  });
});

describe('the rate limit', () => {
  it('gives each key its own budget per minute, across routes and unmatched URLs', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-01T10:00:00Z') });
    const { app } = await startApi({ perMinute: 3 });
    const first = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_A) });
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    expect(first.headers['x-ratelimit-limit']).toBeUndefined();
    expect(first.headers['x-ratelimit-reset']).toBeUndefined();
    const unmatched = await app.inject({ method: 'GET', url: '/nowhere', headers: bearer(KEY_A) });
    expect(unmatched.statusCode).toBe(404);
    expect(unmatched.headers['x-ratelimit-remaining']).toBe('1');
    // A refused key and the public routes spend nothing.
    await app.inject({ method: 'GET', url: '/metrics' });
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
    const last = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_A) });
    expect(last.statusCode).toBe(200);
    expect(last.headers['x-ratelimit-remaining']).toBe('0');

    vi.setSystemTime(new Date('2026-12-01T10:00:20Z'));
    const refused = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_A) });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('40');
    expect(refused.headers['x-ratelimit-remaining']).toBeUndefined();
    expect(refused.headers['x-request-id']).toBe(
      refused.json<{ error: { requestId: string } }>().error.requestId,
    );
    expect(refused.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', message: 'too many requests for this API key; retry in 40 s' },
    });
    expect(
      (await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_B) })).statusCode,
    ).toBe(200);

    vi.setSystemTime(new Date('2026-12-01T10:01:00Z'));
    const again = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_A) });
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('counts per client address when no key is configured', async () => {
    const { app } = await startApi({ keys: '', perMinute: 1 });
    const one = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.2' });
    expect(one.statusCode).toBe(200);
    const other = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.3' });
    expect(other.statusCode).toBe(200);
    const again = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.2' });
    expect(again.statusCode).toBe(429);
  });
});
