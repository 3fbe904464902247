/**
 * Issue 17, traces: a real `gtx serve` (and library transmitters) exporting to an in-process
 * OTLP/HTTP receiver, the real SDK against the sandbox with its rate limit on. One trace per
 * command, from the caller's `traceparent` through intake, append, each attempt and the SDK's
 * HTTP call to the outcome; a retry and a restart continue it from the ledger's metadata.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { holdTracing, tracesEndpoint } from '../../../src/adapters/telemetry/otel-sdk.js';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { SeededRandom } from '../../../src/adapters/ids/random.js';
import { WebhookAnalyticsSink } from '../../../src/adapters/sinks/webhook-analytics-sink.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { SqliteFeedCheckpointStore } from '../../../src/adapters/sqlite/sqlite-feed-checkpoint-store.js';
import { AnalyticsFeed } from '../../../src/application/feed/analytics-feed.js';
import { createIntake } from '../../../src/composition/intake.js';
import { buildTransmitter, createTransmitter, type TransmitterOptions } from '../../../src/main.js';
import type { RunningSandbox } from '../../../src/sandbox/index.js';
import { AMQP_URL, createTestQueue, createTestStream, NATS_URL } from '../../support/brokers.js';
import { WebhookReceiver } from '../../support/feed/webhook-receiver.js';
import { waitUntil } from '../../support/intake-kit.js';
import { onlySpan, startOtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.js';
import { postgresTestSchema, requirePostgres } from '../../support/postgres.js';
import { paced, sandboxWith } from '../../support/sandbox-harness.js';
import { runGtx } from '../../support/cli-harness.js';
import { testDir } from '../../support/test-dir.js';
import { startHarness, waitFinal } from '../http/service-harness.js';

const POST_MESSAGE = 'POST /api/v2/conversations/messages/{integrationId}/inbound/open/message';
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;
const PACE = paced();

/** What a command carries that is personal or secret: none of it may leave in a span. */
const PRIVATE = {
  text: 'the words only the agent may read',
  guest: 'guest-id-not-for-traces',
  conversation: 'conversation-ref-not-for-traces',
};

function command(id: string) {
  return {
    id,
    guest: { id: PRIVATE.guest },
    conversation: PRIVATE.conversation,
    text: PRIVATE.text,
  };
}

function genesys(sandbox: RunningSandbox) {
  return {
    environment: 'mypurecloud.com',
    apiUrl: sandbox.url,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
    integrationId: 'sandbox-integration',
  };
}

function childrenOf(spans: readonly ReceivedSpan[], parent: ReceivedSpan, name: string) {
  return spans.filter((span) => span.name === name && span.parentSpanId === parent.spanId);
}

function expectNothingPrivate(bodies: readonly string[], secrets: readonly string[]): void {
  const exported = bodies.join('\n');
  expect(exported.length).toBeGreaterThan(0);
  for (const secret of [...Object.values(PRIVATE), 'sandbox-secret', ...secrets]) {
    expect(exported, 'an exported span holds something private').not.toContain(secret);
  }
}

/** A SQLite ledger file of the test's own. */
function sqliteLedger(): Promise<Pick<TransmitterOptions, 'ledger' | 'privacy'>> {
  return Promise.resolve({ ledger: { path: join(testDir('gtx-traces-'), 'ledger.db') } });
}

/** A PostgreSQL schema of the test's own, dropped after it; its master key given, as it must be. */
async function postgresLedger(): Promise<Pick<TransmitterOptions, 'ledger' | 'privacy'>> {
  await requirePostgres();
  const { url, schema, drop } = postgresTestSchema();
  onTestFinished(drop);
  return { ledger: { url, schema }, privacy: { masterKey: randomBytes(32) } };
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('traces over OTLP/HTTP', () => {
  it("follows one command from the caller's traceparent through intake, append, a 503 attempt and its retry to the outcome", async () => {
    const receiver = await startOtlpReceiver();
    const h = await startHarness({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'gtx-under-test',
    });
    const sandbox = h.service.runtime.sandbox;
    if (sandbox === null) throw new Error('the harness runs a sandbox');
    sandbox.script([{ answer: { kind: 'status', status: 503 } }]);
    const response = await h.post('/v1/messages', command('traced-1'), {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
    });
    expect(response.status).toBe(202);
    expect((await waitFinal(h, 'traced-1')).status).toBe('delivered');
    const status = await h.service.runtime.transmitter.status('traced-1');
    const tokens = sandbox.issuedTokens();
    await h.close(); // flushes the SDK: every span is exported by now

    const spans = receiver.spans();
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([CALLER_TRACE]));
    const server = onlySpan(spans, 'POST /v1/messages');
    expect(server).toMatchObject({ kind: SERVER, parentSpanId: CALLER_SPAN });
    expect(server.attributes).toMatchObject({
      'http.route': '/v1/messages',
      'http.response.status_code': 202,
    });
    expect(server.resource['service.name']).toBe('gtx-under-test');

    const intake = onlySpan(spans, 'gtx.intake', { 'gtx.command.id': 'traced-1' });
    expect(intake.parentSpanId).toBe(server.spanId);
    expect(intake.attributes['gtx.outcome']).toBe('accepted');
    const [requestAppend, ...more] = childrenOf(spans, intake, 'gtx.ledger.append');
    expect(more).toEqual([]);
    expect(requestAppend?.attributes['gtx.event.types']).toBe('TransmissionRequested');

    const first = onlySpan(spans, 'gtx.attempt', { 'gtx.attempt': 1 });
    const second = onlySpan(spans, 'gtx.attempt', { 'gtx.attempt': 2 });
    for (const attempt of [first, second]) {
      expect(attempt.parentSpanId).toBe(intake.spanId);
      expect(attempt.attributes['gtx.command.id']).toBe('traced-1');
    }
    expect(first.attributes['gtx.outcome']).toBe('retrying');
    expect(first.attributes['gtx.failure.kind']).toBe('transient');
    expect(first.statusCode).toBe(2);
    expect(second.attributes['gtx.outcome']).toBe('delivered');
    expect(second.statusCode).not.toBe(2);

    const [failedCall] = childrenOf(spans, first, POST_MESSAGE);
    const [deliveredCall] = childrenOf(spans, second, POST_MESSAGE);
    expect(failedCall).toMatchObject({ kind: CLIENT, statusCode: 2 });
    expect(failedCall?.attributes['http.response.status_code']).toBe(503);
    expect(deliveredCall?.kind).toBe(CLIENT);
    expect(deliveredCall?.attributes['http.response.status_code']).toBe(200);
    expect(
      childrenOf(spans, second, 'gtx.ledger.append').map((s) => s.attributes['gtx.event.types']),
    ).toEqual(['TransmissionAttemptStarted', 'TransmissionDelivered']);

    // The ledger keeps the intake span's context with the request, and each attempt's with its
    // own events: what a later worker, and the analytics feed, read back.
    const [requested, ...later] = status.events;
    expect(requested?.metadata['traceparent']).toBe(`00-${CALLER_TRACE}-${intake.spanId}-01`);
    expect(later.map((event) => event.metadata['traceparent']?.split('-')[2])).toEqual([
      first.spanId,
      first.spanId,
      second.spanId,
      second.spanId,
    ]);
    expectNothingPrivate(receiver.rawBodies(), tokens);
    expect(receiver.strayRequests()).toBe(0);
  });

  it.each([
    { engine: 'SQLite', ledger: sqliteLedger },
    { engine: 'PostgreSQL', ledger: postgresLedger },
  ])(
    'continues the trace after a restart between the request and its delivery, from the metadata alone ($engine)',
    async ({ ledger }) => {
      const receiver = await startOtlpReceiver();
      const sandbox = await sandboxWith(PACE.sandbox);
      const options = {
        ...(await ledger()),
        genesys: genesys(sandbox),
        logLevel: 'silent' as const,
        rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
      };
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };

      // The first process records the command and stops before any worker delivers it.
      const firstRun = holdTracing(env, new InMemoryLogger());
      const recorder = buildTransmitter(options);
      await recorder.ready();
      const caller = trace.getTracer('test-caller').startSpan('caller');
      await context.with(trace.setSpan(ROOT_CONTEXT, caller), () =>
        recorder.accept(recorder.parse(command('restart-1'))),
      );
      caller.end();
      await recorder.close();
      await firstRun?.release();
      expect(sandbox.received()).toEqual([]);

      // A new process, a new SDK: only the ledger knows the trace.
      const secondRun = holdTracing(env, new InMemoryLogger());
      const worker = createTransmitter(options);
      expect((await worker.outcome('restart-1')).status).toBe('delivered');
      await worker.close();
      await secondRun?.release();

      const spans = receiver.spans();
      const intake = onlySpan(spans, 'gtx.intake', { 'gtx.command.id': 'restart-1' });
      const callerSpan = onlySpan(spans, 'caller');
      expect(intake).toMatchObject({
        traceId: callerSpan.traceId,
        parentSpanId: callerSpan.spanId,
      });
      const attempt = onlySpan(spans, 'gtx.attempt', { 'gtx.attempt': 1 });
      expect(attempt).toMatchObject({ traceId: intake.traceId, parentSpanId: intake.spanId });
      expect(attempt.attributes['gtx.outcome']).toBe('delivered');
      const [call] = childrenOf(spans, attempt, POST_MESSAGE);
      expect(call?.attributes['http.response.status_code']).toBe(200);
      expectNothingPrivate(receiver.rawBodies(), sandbox.issuedTokens());
    },
  );

  it('carries a traceparent from a NATS message header through the broker intake to the attempt', async () => {
    const receiver = await startOtlpReceiver();
    const hold = holdTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, new InMemoryLogger());
    onTestFinished(() => hold?.release());
    const sandbox = await sandboxWith(PACE.sandbox);
    const stream = await createTestStream({ createConsumer: false });
    onTestFinished(() => stream.remove());
    const transmitter = createTransmitter({
      ledger: { path: join(testDir('gtx-traces-'), 'ledger.db') },
      genesys: genesys(sandbox),
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
    });
    onTestFinished(() => transmitter.close());
    const intake = createIntake(transmitter, {
      from: NATS_URL,
      stream: stream.stream,
      consumer: 'gtx-intake',
      subject: stream.subject,
      ackWaitMs: 5_000,
      logger: new InMemoryLogger(),
    });
    await intake.start();
    const published = natsHeaders();
    published.set('traceparent', `00-${CALLER_TRACE}-${CALLER_SPAN}-01`);
    await jetstream(stream.nc).publish(stream.subject, JSON.stringify(command('nats-traced-1')), {
      headers: published,
    });
    await waitUntil(
      async () => (await transmitter.status('nats-traced-1')).status === 'delivered',
      'the published command delivered',
    );
    await intake.stop();
    await transmitter.close();
    await hold?.release();

    const spans = receiver.spans();
    const delivery = onlySpan(spans, 'gtx.broker.delivery');
    expect(delivery).toMatchObject({
      kind: CONSUMER,
      traceId: CALLER_TRACE,
      parentSpanId: CALLER_SPAN,
    });
    expect(delivery.attributes['messaging.system']).toBe('nats');
    const intakeSpan = onlySpan(spans, 'gtx.intake', { 'gtx.command.id': 'nats-traced-1' });
    expect(intakeSpan.parentSpanId).toBe(delivery.spanId);
    const attempt = onlySpan(spans, 'gtx.attempt', { 'gtx.attempt': 1 });
    expect(attempt).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: intakeSpan.spanId });
    expectNothingPrivate(receiver.rawBodies(), sandbox.issuedTokens());
  });

  it('carries a traceparent from an AMQP message header, sent as bytes, through the broker intake', async () => {
    const receiver = await startOtlpReceiver();
    const hold = holdTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, new InMemoryLogger());
    onTestFinished(() => hold?.release());
    const sandbox = await sandboxWith(PACE.sandbox);
    const queue = await createTestQueue();
    onTestFinished(() => queue.remove());
    const transmitter = createTransmitter({
      ledger: { path: join(testDir('gtx-traces-'), 'ledger.db') },
      genesys: genesys(sandbox),
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
    });
    onTestFinished(() => transmitter.close());
    const intake = createIntake(transmitter, {
      from: AMQP_URL,
      queue: queue.queue,
      logger: new InMemoryLogger(),
    });
    await intake.start();
    queue.channel.sendToQueue(queue.queue, Buffer.from(JSON.stringify(command('amqp-traced-1'))), {
      messageId: 'amqp-traced-1',
      headers: { traceparent: Buffer.from(`00-${CALLER_TRACE}-${CALLER_SPAN}-01`) },
    });
    await waitUntil(
      async () => (await transmitter.status('amqp-traced-1')).status === 'delivered',
      'the published command delivered',
    );
    await intake.stop();
    await transmitter.close();
    await hold?.release();

    const spans = receiver.spans();
    const delivery = onlySpan(spans, 'gtx.broker.delivery');
    expect(delivery).toMatchObject({
      kind: CONSUMER,
      traceId: CALLER_TRACE,
      parentSpanId: CALLER_SPAN,
    });
    expect(delivery.attributes).toMatchObject({
      'messaging.system': 'amqp',
      'messaging.message.id': 'amqp-traced-1',
    });
    const intakeSpan = onlySpan(spans, 'gtx.intake', { 'gtx.command.id': 'amqp-traced-1' });
    expect(intakeSpan.parentSpanId).toBe(delivery.spanId);
    expectNothingPrivate(receiver.rawBodies(), sandbox.issuedTokens());
  });

  it('starts a new trace for a malformed traceparent instead of refusing the request', async () => {
    const receiver = await startOtlpReceiver();
    const h = await startHarness({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const response = await h.post('/v1/messages', command('badly-traced-1'), {
      traceparent: `00-${CALLER_TRACE}-not-a-span-id-01`,
    });
    expect(response.status).toBe(202);
    expect((await waitFinal(h, 'badly-traced-1')).status).toBe('delivered');
    await h.close();

    const server = onlySpan(receiver.spans(), 'POST /v1/messages');
    expect(server.parentSpanId).toBe('');
    expect(server.traceId).not.toBe(CALLER_TRACE);
    const attempt = onlySpan(receiver.spans(), 'gtx.attempt', { 'gtx.attempt': 1 });
    expect(attempt.traceId).toBe(server.traceId);
  });

  it('traces a Web Messaging send as a client span of its attempt, without the guest or the session', async () => {
    const receiver = await startOtlpReceiver();
    const hold = holdTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, new InMemoryLogger());
    onTestFinished(() => hold?.release());
    const sandbox = await sandboxWith(PACE.sandbox);
    const transmitter = createTransmitter({
      ledger: { path: join(testDir('gtx-traces-'), 'ledger.db') },
      webMessaging: {
        environment: 'mypurecloud.com',
        url: sandbox.webMessaging.url,
        deploymentId: 'deployment-traces',
      },
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
    });
    onTestFinished(() => transmitter.close());
    expect((await transmitter.submit(command('guest-traced-1'))).status).toBe('delivered');
    const sessions = sandbox.webMessaging.sessions().map((session) => session.sessionId);
    await transmitter.close();
    await hold?.release();

    const spans = receiver.spans();
    const attempt = onlySpan(spans, 'gtx.attempt', { 'gtx.command.id': 'guest-traced-1' });
    const send = onlySpan(spans, 'gtx.web_messaging.send');
    expect(send).toMatchObject({ kind: CLIENT, parentSpanId: attempt.spanId, statusCode: 0 });
    expect(send.attributes).toMatchObject({ 'gtx.command.id': 'guest-traced-1', 'gtx.attempt': 1 });
    expect(sessions).toHaveLength(1);
    expectNothingPrivate(receiver.rawBodies(), [...sessions, 'deployment-traces']);
  });

  it('traces each analytics feed batch as a root span linked to the intakes and attempts it reports', async () => {
    const receiver = await startOtlpReceiver();
    const hold = holdTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, new InMemoryLogger());
    onTestFinished(() => hold?.release());
    const sandbox = await sandboxWith(PACE.sandbox);
    const path = join(testDir('gtx-traces-'), 'ledger.db');
    const transmitter = createTransmitter({
      ledger: { path },
      genesys: genesys(sandbox),
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
    });
    onTestFinished(() => transmitter.close());
    expect((await transmitter.submit(command('fed-1'))).status).toBe('delivered');
    await transmitter.close();

    const clock = new SystemClock();
    const webhook = await WebhookReceiver.start();
    onTestFinished(() => webhook.close());
    const ledger = openSqliteLedger({ path, clock });
    const checkpoints = SqliteFeedCheckpointStore.open({ path }, clock);
    const secret = `whsec_${Buffer.from('traces-test-secret-0123456789abcd').toString('base64')}`;
    const sink = new WebhookAnalyticsSink({ url: webhook.url, secret }, clock);
    onTestFinished(async () => {
      await sink.close();
      await checkpoints.close();
      await ledger.close();
    });
    const feed = new AnalyticsFeed({
      ledger: ledger.events,
      checkpoints,
      sink,
      clock,
      random: new SeededRandom(1),
      logger: new InMemoryLogger(),
    });
    expect((await feed.run({ once: true })).batches).toBe(1);
    await hold?.release();

    const spans = receiver.spans();
    const batch = onlySpan(spans, 'gtx.feed.batch');
    expect(batch.parentSpanId).toBe('');
    expect(batch.attributes).toMatchObject({
      'gtx.feed.name': 'analytics',
      'gtx.feed.batch.attempts': 1,
    });
    const intake = onlySpan(spans, 'gtx.intake', { 'gtx.command.id': 'fed-1' });
    const attempt = onlySpan(spans, 'gtx.attempt', { 'gtx.attempt': 1 });
    expect(batch.links.map((link) => link.spanId).sort()).toEqual(
      [intake.spanId, attempt.spanId].sort(),
    );
    expect(new Set(batch.links.map((link) => link.traceId))).toEqual(new Set([intake.traceId]));
    expectNothingPrivate(receiver.rawBodies(), sandbox.issuedTokens());
  });

  it('gtx feed run on its own exports its batch span, flushed before the command returns', async () => {
    const receiver = await startOtlpReceiver();
    const hold = holdTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, new InMemoryLogger());
    onTestFinished(() => hold?.release());
    const sandbox = await sandboxWith(PACE.sandbox);
    const path = join(testDir('gtx-traces-feed-cli-'), 'ledger.db');
    const transmitter = createTransmitter({
      ledger: { path },
      genesys: genesys(sandbox),
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
    });
    onTestFinished(() => transmitter.close());
    expect((await transmitter.submit(command('fed-cli-1'))).status).toBe('delivered');
    await transmitter.close();
    await hold?.release();
    const intake = onlySpan(receiver.spans(), 'gtx.intake', { 'gtx.command.id': 'fed-cli-1' });

    const webhook = await WebhookReceiver.start();
    onTestFinished(() => webhook.close());
    const run = await runGtx(['feed', 'run', '--ledger', path, '--once'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ANALYTICS_WEBHOOK_URL: webhook.url,
      ANALYTICS_WEBHOOK_SECRET: `whsec_${Buffer.from('traces-test-secret-0123456789abcd').toString('base64')}`,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const batch = onlySpan(receiver.spans(), 'gtx.feed.batch');
    expect(batch.parentSpanId).toBe('');
    expect(batch.links.map((link) => link.spanId)).toContain(intake.spanId);
    expectNothingPrivate(receiver.rawBodies(), sandbox.issuedTokens());
  });

  it('starts nothing without an OTLP endpoint: no SDK, no exporter, no trace context in the ledger', async () => {
    expect(holdTracing({}, new InMemoryLogger())).toBeNull();
    expect(
      holdTracing(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' },
        new InMemoryLogger(),
      ),
    ).toBeNull();
    const sandbox = await sandboxWith(PACE.sandbox);
    const transmitter = createTransmitter({
      ledger: { path: join(testDir('gtx-traces-'), 'ledger.db') },
      genesys: genesys(sandbox),
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
    });
    onTestFinished(() => transmitter.close());
    // A caller's remote context is not enough: with no SDK, the API's propagator is a no-op.
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: CALLER_TRACE,
      spanId: CALLER_SPAN,
      traceFlags: 1,
      isRemote: true,
    });
    await context.with(remote, () => transmitter.submit(command('untraced-1')));
    const { events } = await transmitter.status('untraced-1');
    expect(events.length).toBeGreaterThan(2);
    expect(events.filter((event) => event.metadata['traceparent'] !== undefined)).toEqual([]);
  });
});

describe('the OTLP endpoint settings', () => {
  it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT and takes the traces endpoint as given', () => {
    expect(tracesEndpoint({})).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      }),
    ).toBe('https://traces.example/otlp');
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    for (const [name, value] of [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
      ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
    ] as const) {
      expect(() => tracesEndpoint({ [name]: value })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', setting: name }),
      );
    }
  });
});
