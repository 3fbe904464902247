import { firstValueFrom, timer } from 'rxjs';
import type {
  Clock,
  MessagingTransport,
  TransportOutcome,
  TransportRequest,
} from '../../application/ports/index.js';
import type { TransportFailure } from '../../domain/index.js';

export type ScriptedAnswer =
  | { readonly kind: 'deliver' }
  | {
      readonly kind: 'rateLimited';
      readonly retryAfterMs: number;
      /** `conversation`: a limit of this conversation only (default: the whole client). */
      readonly scope?: 'client' | 'conversation';
    }
  | { readonly kind: 'serverError'; readonly status?: number; readonly emptyBody?: boolean }
  | { readonly kind: 'badRequest'; readonly message?: string }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'connectionReset' }
  /** Never answers: the caller's timeout (its AbortSignal) ends the call. */
  | { readonly kind: 'hang' };

export interface ScriptedCall {
  readonly request: TransportRequest;
  readonly at: number;
  readonly answer: ScriptedAnswer['kind'] | 'aborted';
}

export interface ScriptedTransportOptions {
  readonly clock: Clock;
  /** Virtual or real time each call takes before it answers. */
  readonly latencyMs?: number;
  /** What calls answer once the script is used up. */
  readonly fallback?: ScriptedAnswer;
}

/**
 * A transport twin for tests of the layers above it: answers follow a script, every call is
 * recorded, and latency runs on the injected clock so tests stay in virtual time.
 */
export class ScriptedTransport implements MessagingTransport {
  private readonly script: ScriptedAnswer[] = [];
  private readonly recorded: ScriptedCall[] = [];
  private readonly conversations = new Map<string, string>();
  private messageCounter = 0;
  private inFlightNow = 0;
  private inFlightPeak = 0;
  private closed = false;

  private fallback: ScriptedAnswer;

  constructor(private readonly options: ScriptedTransportOptions) {
    this.fallback = options.fallback ?? { kind: 'deliver' };
  }

  /** Queues answers for the next calls, in order. */
  answerNext(count: number, answer: ScriptedAnswer): this {
    for (let i = 0; i < count; i++) this.script.push(answer);
    return this;
  }

  /** The next `count` calls answer 429 with `Retry-After` of `retryAfterMs`. */
  rateLimitNext(count: number, retryAfterMs: number): this {
    return this.answerNext(count, { kind: 'rateLimited', retryAfterMs });
  }

  /** The next `count` calls answer a retryable server error (default 503). */
  failNext(count: number, status = 503): this {
    return this.answerNext(count, { kind: 'serverError', status });
  }

  /** The next `count` calls answer 400: a permanent failure, never retried. */
  rejectNext(count: number, message?: string): this {
    return this.answerNext(
      count,
      message === undefined ? { kind: 'badRequest' } : { kind: 'badRequest', message },
    );
  }

  /** The next `count` calls lose their connection (ECONNRESET). */
  resetNext(count: number): this {
    return this.answerNext(count, { kind: 'connectionReset' });
  }

  /** The next `count` calls never answer; the caller's attempt timeout ends them. */
  hangNext(count: number): this {
    return this.answerNext(count, { kind: 'hang' });
  }

  /** The next `count` calls are delivered. */
  deliverNext(count: number): this {
    return this.answerNext(count, { kind: 'deliver' });
  }

  /** Once the script is used up, every call answers this way (instead of delivering). */
  thenAlways(answer: ScriptedAnswer): this {
    this.fallback = answer;
    return this;
  }

  /** Scripted answers not used yet. */
  remainingScript(): number {
    return this.script.length;
  }

  calls(): readonly ScriptedCall[] {
    return this.recorded;
  }

  /** The requests that were delivered, in the order they were delivered. */
  delivered(): readonly TransportRequest[] {
    return this.recorded.filter((call) => call.answer === 'deliver').map((call) => call.request);
  }

  peakConcurrency(): number {
    return this.inFlightPeak;
  }

  async send(request: TransportRequest, signal?: AbortSignal): Promise<TransportOutcome> {
    if (this.closed) throw new Error('ScriptedTransport is closed');
    const answer = this.script.shift() ?? this.fallback;
    const at = this.options.clock.now();
    this.inFlightNow += 1;
    this.inFlightPeak = Math.max(this.inFlightPeak, this.inFlightNow);
    try {
      const aborted = await this.wait(answer, signal);
      this.recorded.push({ request, at, answer: aborted ? 'aborted' : answer.kind });
      if (aborted)
        return {
          ok: false,
          failure: failure('transient', null, 'ABORTED', 'the call was aborted'),
        };
      return this.answer(request, answer);
    } finally {
      this.inFlightNow -= 1;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Resolves true when the call was aborted before it answered. */
  private async wait(answer: ScriptedAnswer, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return true;
    const latency = this.options.latencyMs ?? 0;
    const abortPromise = new Promise<boolean>((resolve) => {
      signal?.addEventListener(
        'abort',
        () => {
          resolve(true);
        },
        { once: true },
      );
    });
    if (answer.kind === 'hang') return abortPromise;
    if (latency <= 0) return false;
    const elapsed = firstValueFrom(timer(latency, this.options.clock.scheduler)).then(() => false);
    return Promise.race([elapsed, abortPromise]);
  }

  private answer(request: TransportRequest, answer: ScriptedAnswer): TransportOutcome {
    switch (answer.kind) {
      case 'deliver':
        this.messageCounter += 1;
        return {
          ok: true,
          genesysMessageId: `scripted-message-${this.messageCounter}`,
          genesysConversationId: this.conversationFor(request.content.guest.id),
          correlationId: `scripted-correlation-${this.messageCounter}`,
        };
      case 'rateLimited':
        return {
          ok: false,
          failure: {
            ...failure('rateLimited', 429, 'too.many.requests.retry.after', 'Rate limit exceeded'),
            retryAfterMs: answer.retryAfterMs,
          },
          ...(answer.scope === undefined ? {} : { rateLimitScope: answer.scope }),
        };
      case 'serverError':
        return {
          ok: false,
          failure: failure(
            'transient',
            answer.status ?? 503,
            answer.emptyBody === true ? null : 'service.unavailable',
            answer.emptyBody === true ? null : 'Service Unavailable',
          ),
        };
      case 'badRequest':
        return {
          ok: false,
          failure: failure(
            'permanent',
            400,
            'bad.request',
            answer.message ?? 'The request could not be understood',
          ),
        };
      case 'unauthorized':
        return {
          ok: false,
          failure: failure('authExpired', 401, 'authentication.required', 'Token expired'),
        };
      case 'connectionReset':
        return { ok: false, failure: failure('transient', null, 'ECONNRESET', 'socket hang up') };
      case 'hang':
        return {
          ok: false,
          failure: failure('transient', null, 'ABORTED', 'the call was aborted'),
        };
    }
  }

  private conversationFor(guestId: string): string {
    let id = this.conversations.get(guestId);
    if (id === undefined) {
      id = `scripted-conversation-${this.conversations.size + 1}`;
      this.conversations.set(guestId, id);
    }
    return id;
  }
}

function failure(
  kind: TransportFailure['kind'],
  status: number | null,
  code: string | null,
  message: string | null,
): TransportFailure {
  return { kind, status, code, message, retryAfterMs: null, correlationId: null };
}
