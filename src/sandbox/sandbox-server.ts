import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultPlan } from './faults/fault-plan.js';
import type { FaultDecision } from './faults/fault-plan.js';
import {
  badCredentialsBody,
  badRequestBody,
  internalErrorBody,
  methodNotAllowedBody,
  missingTokenBody,
  notFoundBody,
  rateLimitedBody,
  serviceUnavailableBody,
  tooLargeBody,
} from './open-messaging/genesys-errors.js';
import type { FieldIssue } from './open-messaging/genesys-errors.js';
import { readBody, writeAnswer } from './http/http-io.js';
import type { Answer } from './http/http-io.js';
import {
  validateInboundEvent,
  validateInboundMessage,
  validateInboundReceipt,
} from './open-messaging/inbound-validation.js';
import {
  normalizedEvent,
  normalizedMessage,
  normalizedReceipt,
} from './open-messaging/normalized-responses.js';
import { RateWindows, rateLimitHeaders } from './open-messaging/rate-window.js';
import { ConversationDirectory, ReceivedLog } from './open-messaging/received-log.js';
import type { Acceptance, AcceptedRequest } from './open-messaging/received-log.js';
import { matchRoute } from './open-messaging/routes.js';
import type { Route } from './open-messaging/routes.js';
import { StatsCounter } from './open-messaging/sandbox-stats.js';
import { TokenRegistry } from './open-messaging/token-registry.js';
import { WebMessagingSandbox } from './web-messaging/web-messaging-sandbox.js';
import type {
  RunningSandbox,
  SandboxClient,
  SandboxFaultRates,
  SandboxOptions,
  SandboxStats,
  ReceivedRequest,
  ScriptedAnswer,
  ScriptStep,
} from './types.js';

type MessagingRoute = Extract<Route, { kind: 'messaging' }>;

interface Settings {
  readonly host: string;
  readonly port: number;
  readonly clients: readonly SandboxClient[];
  readonly tokenLifetimeSeconds: number;
  readonly rateLimitPerMinute: number | null;
  readonly retryAfterSeconds: number;
  readonly maxBodyBytes: number;
  readonly faults: SandboxFaultRates;
  readonly seed: number;
  readonly integrationIds: ReadonlySet<string> | null;
  readonly now: () => number;
  readonly webMessaging: NonNullable<SandboxOptions['webMessaging']>;
}

/** One request and its answer channel; the correlation id is also the error bodies' contextId. */
interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly correlationId: string;
}

type Continuation = 'continue' | 'answered';

const DEFAULT_CLIENT: SandboxClient = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
};

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
    integrationIds: options.integrationIds === undefined ? null : new Set(options.integrationIds),
    now: options.now ?? Date.now,
    webMessaging: options.webMessaging ?? {},
  };
}

function parseBasicCredentials(
  header: string | undefined,
): { clientId: string; clientSecret: string } | null {
  const match = header === undefined ? null : /^Basic\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator === -1) return null;
  return { clientId: decoded.slice(0, separator), clientSecret: decoded.slice(separator + 1) };
}

function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function validationFailure(issues: readonly FieldIssue[], contextId: string): Answer {
  const fields = issues.map((issue) => issue.fieldName).join(', ');
  return {
    status: 400,
    body: badRequestBody(`Invalid request body: ${fields}`, contextId, issues),
  };
}

function duplicateKey(...parts: readonly string[]): string {
  return parts.join('\u0000');
}

class SandboxServer implements RunningSandbox {
  private readonly server: Server;
  private readonly tokens: TokenRegistry;
  private readonly rateWindows: RateWindows;
  private readonly faults: FaultPlan;
  private readonly log = new ReceivedLog();
  private readonly conversations = new ConversationDirectory();
  private readonly counters = new StatsCounter();
  /** Aborts pending slow answers so close() never waits on them. */
  private readonly closing = new AbortController();
  private revocationTimer: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;
  private address: AddressInfo | undefined;
  readonly webMessaging: WebMessagingSandbox;

  constructor(private readonly settings: Settings) {
    this.tokens = new TokenRegistry(settings.clients, settings.tokenLifetimeSeconds);
    this.rateWindows = new RateWindows(settings.rateLimitPerMinute);
    this.faults = new FaultPlan(settings.seed, settings.faults);
    // Longer than any client agent's idle timeout, so the server never closes a socket a client
    // is about to reuse: that race would look like an injected connection reset.
    this.server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
      this.onRequest(request, response);
    });
    this.scheduleRevocation(settings.faults.revokeTokensEveryMs);
    this.webMessaging = new WebMessagingSandbox(settings.webMessaging, {
      baseUrl: () => this.url,
      now: settings.now,
      seed: settings.seed,
      faults: settings.faults,
      closing: this.closing.signal,
    });
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
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

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.port, this.settings.host, () => {
        this.server.off('error', reject);
        this.address = this.server.address() as AddressInfo;
        resolve();
      });
    });
  }

  received(): readonly ReceivedRequest[] {
    return this.log.list();
  }

  stats(): SandboxStats {
    return this.counters.snapshot();
  }

  setFaults(faults: SandboxFaultRates): void {
    this.faults.setRates(faults);
    this.scheduleRevocation(faults.revokeTokensEveryMs);
  }

  script(answers: readonly ScriptStep[]): void {
    this.faults.setScript(answers);
  }

  revokeAllTokens(): void {
    this.tokens.revokeAll();
  }

  issuedTokens(): readonly string[] {
    return this.tokens.issued();
  }

  reset(): void {
    this.log.clear();
    this.counters.clear();
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      clearInterval(this.revocationTimer);
      this.closing.abort();
      this.webMessaging.close();
      this.server.close(() => {
        resolve();
      });
      // Keep-alive sockets would otherwise hold close() (and the process) for the idle timeout.
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private listeningAddress(): AddressInfo {
    if (this.address === undefined) throw new Error('the sandbox is not listening');
    return this.address;
  }

  private scheduleRevocation(everyMs: number | undefined): void {
    clearInterval(this.revocationTimer);
    this.revocationTimer = undefined;
    if (everyMs === undefined || everyMs <= 0) return;
    this.revocationTimer = setInterval(() => {
      this.tokens.revokeAll();
    }, everyMs);
    this.revocationTimer.unref();
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const exchange: Exchange = { request, response, correlationId: randomUUID() };
    this.dispatch(exchange).catch(() => {
      this.failSafely(exchange);
    });
  }

  /** Nothing is logged: an unexpected failure becomes a 500, or a dropped socket if too late. */
  private failSafely(exchange: Exchange): void {
    const { response, correlationId } = exchange;
    if (this.closing.signal.aborted || response.headersSent || response.destroyed) {
      response.destroy();
      return;
    }
    writeAnswer(response, { status: 500, body: internalErrorBody(correlationId) }, correlationId);
  }

  private async dispatch(exchange: Exchange): Promise<void> {
    const { request } = exchange;
    if (await this.webMessaging.handleHttp(request, exchange.response)) return;
    const route = matchRoute(request.method ?? 'GET', request.url ?? '/');
    switch (route.kind) {
      case 'token':
        return this.handleToken(exchange);
      case 'messaging':
        return this.handleMessaging(exchange, route);
      case 'adminMessages':
        this.send(
          exchange,
          { status: 200, body: { messages: this.received(), stats: this.stats() } },
          false,
        );
        return;
      case 'adminHealth':
        this.send(exchange, { status: 200, body: { status: 'ok' } }, false);
        return;
      case 'methodNotAllowed':
        this.handleMethodNotAllowed(exchange, route.allow, route.counted);
        return;
      case 'notFound':
        this.counters.request('unknown');
        this.send(exchange, {
          status: 404,
          body: notFoundBody('Resource not found.', exchange.correlationId),
        });
        return;
    }
  }

  private send(exchange: Exchange, answer: Answer, counted = true): void {
    if (counted) this.counters.answer(answer.status);
    writeAnswer(exchange.response, answer, exchange.correlationId);
  }

  private handleMethodNotAllowed(exchange: Exchange, allow: string, counted: boolean): void {
    if (counted) this.counters.request('unknown');
    const method = exchange.request.method ?? '';
    const body = methodNotAllowedBody(method, exchange.correlationId);
    this.send(exchange, { status: 405, body, headers: { Allow: allow } }, counted);
  }

  private async handleToken(exchange: Exchange): Promise<void> {
    this.counters.request('token');
    const body = await readBody(exchange.request, this.settings.maxBodyBytes);
    const credentials = parseBasicCredentials(exchange.request.headers.authorization);
    if (
      credentials === null ||
      !this.tokens.authenticateClient(credentials.clientId, credentials.clientSecret)
    ) {
      const error = { error: 'invalid_client', description: 'Client authentication failed.' };
      this.send(exchange, { status: 401, body: error });
      return;
    }
    const grantType = body.kind === 'ok' ? new URLSearchParams(body.text).get('grant_type') : null;
    if (grantType !== 'client_credentials') {
      const error = {
        error: 'unsupported_grant_type',
        description: 'Only grant_type=client_credentials is supported.',
      };
      this.send(exchange, { status: 400, body: error });
      return;
    }
    const issued = this.tokens.issue(this.settings.now());
    this.counters.tokenIssued();
    const grant = {
      access_token: issued.accessToken,
      token_type: 'bearer',
      expires_in: issued.expiresInSeconds,
    };
    this.send(exchange, { status: 200, body: grant, headers: { 'Cache-Control': 'no-store' } });
  }

  /**
   * The pipeline of the three inbound endpoints: faults (infrastructure in front of the API, so
   * they neither need nor count against a token), size, auth, the token's rate window, the
   * integration, JSON, the model, and only then acceptance.
   */
  private async handleMessaging(exchange: Exchange, route: MessagingRoute): Promise<void> {
    this.counters.request(route.endpoint);
    const body = await readBody(exchange.request, this.settings.maxBodyBytes);
    if ((await this.applyFault(exchange, this.faults.next())) === 'answered') return;
    const { correlationId } = exchange;
    if (body.kind === 'tooLarge') {
      this.send(exchange, {
        status: 413,
        body: tooLargeBody(this.settings.maxBodyBytes, correlationId),
      });
      return;
    }
    const token = this.authenticate(exchange);
    if (token === null) return;
    const hit = this.rateWindows.hit(token, this.settings.now());
    const rateHeaders = rateLimitHeaders(hit);
    if (hit.exceeded) {
      const headers = { ...rateHeaders, 'Retry-After': String(hit.resetSeconds) };
      this.send(exchange, {
        status: 429,
        body: rateLimitedBody(hit.resetSeconds, correlationId),
        headers,
      });
      return;
    }
    const answer = this.answerAuthorized(route, body.text, correlationId);
    this.send(exchange, { ...answer, headers: { ...answer.headers, ...rateHeaders } });
  }

  /** Answers 401 itself and returns null when the bearer token is missing or not valid. */
  private authenticate(exchange: Exchange): string | null {
    const token = bearerToken(exchange.request.headers.authorization);
    if (token === null) {
      this.send(exchange, { status: 401, body: missingTokenBody(exchange.correlationId) });
      return null;
    }
    if (this.tokens.check(token, this.settings.now()) !== 'valid') {
      this.send(exchange, { status: 401, body: badCredentialsBody(exchange.correlationId) });
      return null;
    }
    return token;
  }

  private answerAuthorized(route: MessagingRoute, text: string, correlationId: string): Answer {
    const known = this.settings.integrationIds;
    if (known !== null && !known.has(route.integrationId)) {
      const message = `Open messaging integration ${route.integrationId} was not found.`;
      return { status: 404, body: notFoundBody(message, correlationId) };
    }
    const json = parseJson(text);
    if (!json.ok) {
      return {
        status: 400,
        body: badRequestBody('The request body is not valid JSON.', correlationId),
      };
    }
    switch (route.endpoint) {
      case 'message':
        return this.acceptMessage(route, json.value, correlationId);
      case 'receipt':
        return this.acceptReceipt(route, json.value, correlationId);
      case 'event':
        return this.acceptEvent(route, json.value, correlationId);
    }
  }

  private acceptMessage(route: MessagingRoute, json: unknown, correlationId: string): Answer {
    const validation = validateInboundMessage(json);
    if (!validation.ok) return validationFailure(validation.issues, correlationId);
    const message = validation.value;
    const { integrationId } = route;
    const messageId = message.channel.messageId ?? null;
    const conversationId = this.conversations.conversationFor(
      integrationId,
      message.channel.from.id,
    );
    const acceptance = this.record({
      endpoint: 'message',
      integrationId,
      messageId,
      duplicateKey: messageId === null ? null : duplicateKey('message', integrationId, messageId),
      body: json,
      conversationId,
    });
    const prefetched = route.prefetchConversationId ? conversationId : undefined;
    const body = normalizedMessage(message, integrationId, acceptance.genesysMessageId, prefetched);
    return { status: 200, body };
  }

  /** A receipt is a duplicate when the same receipt id reports the same status again. */
  private acceptReceipt(route: MessagingRoute, json: unknown, correlationId: string): Answer {
    const validation = validateInboundReceipt(json);
    if (!validation.ok) return validationFailure(validation.issues, correlationId);
    const receipt = validation.value;
    const { integrationId } = route;
    const acceptance = this.record({
      endpoint: 'receipt',
      integrationId,
      messageId: receipt.id,
      duplicateKey: duplicateKey('receipt', integrationId, receipt.id, receipt.status),
      body: json,
      conversationId: this.conversations.conversationFor(integrationId, receipt.channel.to.id),
    });
    return {
      status: 200,
      body: normalizedReceipt(receipt, integrationId, acceptance.genesysMessageId),
    };
  }

  private acceptEvent(route: MessagingRoute, json: unknown, correlationId: string): Answer {
    const validation = validateInboundEvent(json);
    if (!validation.ok) return validationFailure(validation.issues, correlationId);
    const event = validation.value;
    const { integrationId } = route;
    const acceptance = this.record({
      endpoint: 'event',
      integrationId,
      messageId: null,
      duplicateKey: null,
      body: json,
      conversationId: this.conversations.conversationFor(integrationId, event.channel.from.id),
    });
    return {
      status: 200,
      body: normalizedEvent(event, integrationId, acceptance.genesysMessageId),
    };
  }

  private record(request: Omit<AcceptedRequest, 'receivedAt'>): Acceptance {
    const acceptance = this.log.accept({ ...request, receivedAt: new Date(this.settings.now()) });
    this.counters.acceptance(acceptance.duplicate);
    return acceptance;
  }

  private async applyFault(exchange: Exchange, fault: FaultDecision): Promise<Continuation> {
    const { correlationId } = exchange;
    switch (fault.kind) {
      case 'none':
        return 'continue';
      case 'scripted':
        this.counters.fault('scripted');
        return this.applyScripted(exchange, fault.answer);
      case 'slow':
        this.counters.fault('slow');
        await this.delay(fault.ms);
        return 'continue';
      case 'connectionReset':
        this.counters.fault('connectionReset');
        this.resetConnection(exchange);
        return 'answered';
      case 'serverError':
        this.counters.fault('serverError');
        this.send(exchange, { status: 503, body: serviceUnavailableBody(correlationId) });
        return 'answered';
      case 'serverErrorEmptyBody':
        this.counters.fault('serverErrorEmptyBody');
        this.send(exchange, { status: fault.status });
        return 'answered';
      case 'rateLimited':
        this.counters.fault('rateLimited');
        this.sendInjectedRateLimit(exchange);
        return 'answered';
    }
  }

  private async applyScripted(exchange: Exchange, answer: ScriptedAnswer): Promise<Continuation> {
    switch (answer.kind) {
      case 'status':
        this.send(exchange, {
          status: answer.status,
          ...(answer.body === undefined ? {} : { body: answer.body }),
          ...(answer.headers === undefined ? {} : { headers: answer.headers }),
        });
        return 'answered';
      case 'reset':
        this.resetConnection(exchange);
        return 'answered';
      case 'delay':
        await this.delay(answer.ms);
        return 'continue';
      case 'revokeToken': {
        const token = bearerToken(exchange.request.headers.authorization);
        if (token !== null) this.tokens.revoke(token);
        this.send(exchange, { status: 401, body: badCredentialsBody(exchange.correlationId) });
        return 'answered';
      }
    }
  }

  private sendInjectedRateLimit(exchange: Exchange): void {
    const seconds = this.settings.retryAfterSeconds;
    const body = rateLimitedBody(seconds, exchange.correlationId);
    this.send(exchange, { status: 429, body, headers: { 'Retry-After': String(seconds) } });
  }

  private resetConnection(exchange: Exchange): void {
    this.counters.connectionReset();
    exchange.request.socket.destroy();
  }

  /** Rejects when the sandbox closes, so a pending slow answer never outlives it. */
  private async delay(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.closing.signal, ref: false });
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = new SandboxServer(resolveSettings(options));
  await sandbox.listen();
  return sandbox;
}
