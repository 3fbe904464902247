import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import type { AgentDesk } from '../agent-replies/agent-desk.js';
import { FaultPlan } from '../faults/fault-plan.js';
import type { SandboxFaultRates } from '../faults/fault-rates.js';
import { sendAnswer } from '../http/answer.js';
import type { Answer } from '../http/answer.js';
import { notFoundBody } from './genesys-errors.js';
import { bearerToken } from './credentials.js';
import { RATE_COUNT_HEADER, RateWindows, rateLimitHeaders } from './rate-window.js';
import { ConversationDirectory, ReceivedLog } from './received-log.js';
import type { Acceptance, AcceptedRequest } from './received-log.js';
import { StatsCounter } from './sandbox-stats.js';
import { TokenRegistry } from './token-registry.js';
import type {
  ReceivedCopy,
  ReceivedRequest,
  SandboxClient,
  SandboxStats,
  ScriptedAnswer,
  ScriptStep,
} from './types.js';

export interface OpenMessagingSettings {
  readonly clients: readonly SandboxClient[];
  readonly tokenLifetimeSeconds: number;
  readonly rateLimitPerMinute: number | null;
  readonly retryAfterSeconds: number;
  readonly maxBodyBytes: number;
  readonly faults: SandboxFaultRates;
  readonly seed: number;
  /** The integrations this sandbox serves; any other id is answered 404. */
  readonly integrationIds: ReadonlySet<string>;
  readonly now: () => number;
}

/**
 * The state of the Open Messaging side (tokens, rate windows, faults, what was received and
 * the stats) and the operations a test drives it with. The routes that serve it over HTTP are
 * in open-messaging-routes.ts and messaging-pipeline.ts.
 */
export class OpenMessagingSandbox {
  readonly tokens: TokenRegistry;
  readonly rateWindows: RateWindows;
  readonly faults: FaultPlan<ScriptedAnswer>;
  readonly conversations = new ConversationDirectory();
  readonly counters = new StatsCounter();
  private readonly log = new ReceivedLog();
  private revocationTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly settings: OpenMessagingSettings,
    /** Aborted when the sandbox closes, so a pending slow answer never outlives it. */
    readonly closing: AbortSignal,
    /** Told of each accepted guest message and receipt; it answers beside the inbound answer. */
    readonly agent: Pick<AgentDesk, 'openMessageAccepted' | 'receiptAccepted'>,
  ) {
    this.tokens = new TokenRegistry(settings.clients, settings.tokenLifetimeSeconds);
    this.rateWindows = new RateWindows(settings.rateLimitPerMinute);
    this.faults = new FaultPlan(settings.seed, settings.faults);
    this.scheduleRevocation(settings.faults.revokeTokensEveryMs);
  }

  received(): readonly ReceivedRequest[] {
    return this.log.list();
  }

  arrivals(): readonly ReceivedCopy[] {
    return this.log.arrivals();
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

  close(): void {
    clearInterval(this.revocationTimer);
    this.revocationTimer = undefined;
  }

  record(request: Omit<AcceptedRequest, 'receivedAt'>): Acceptance {
    const acceptance = this.log.accept({ ...request, receivedAt: new Date(this.settings.now()) });
    this.counters.acceptance(acceptance.duplicate);
    return acceptance;
  }

  /**
   * Writes an answer; those of the control endpoints are not counted in the stats. Every answer
   * carries the `inin-ratelimit-*` headers, as Genesys' do: the counted window when the request
   * went through it (set on the reply earlier), else the caller's window as it stands.
   */
  send(reply: FastifyReply, answer: Answer, counted = true): FastifyReply {
    if (counted) this.counters.answer(answer.status);
    if (!reply.hasHeader(RATE_COUNT_HEADER)) {
      const token = bearerToken(reply.request.headers.authorization);
      reply.headers(rateLimitHeaders(this.rateWindows.peek(token, this.settings.now())));
    }
    return sendAnswer(reply, answer);
  }

  /** The 404 of a path that is not ours, counted as a request to an unknown endpoint. */
  notFound(reply: FastifyReply): FastifyReply {
    this.counters.request('unknown');
    return this.send(reply, {
      status: 404,
      body: notFoundBody('Resource not found.', reply.request.id),
    });
  }

  /** Rejects when the sandbox closes, so a pending slow answer never outlives it. */
  async delay(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.closing, ref: false });
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
}
