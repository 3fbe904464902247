import type { Clock, Logger, TransportRequest } from '../../../application/ports/index.js';
import { SleepAbortedError } from '../../../application/timing.js';
import { abortedFailure, connectionLost, type GuestConnection } from './guest-connection.js';
import { serverFailure } from './web-messaging-failures.js';
import { tracingIdOf, type OutboundMessage } from './web-messaging-protocol.js';
import { errorStep, frameOf, tracingOf, type Step } from './web-messaging-steps.js';

export interface PacedMessageSenderDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** A 4029 asking for at most this long is waited out once, for this guest only. */
  readonly maxInlineRateLimitWaitMs: number;
}

/**
 * `onMessage`, paced per guest; delivered when the server echoes it with our
 * tracingId, whose `id` is the Genesys message id. A 4029 pauses only that guest's pacer.
 */
export class PacedMessageSender {
  constructor(private readonly deps: PacedMessageSenderDeps) {}

  async send(
    connection: GuestConnection,
    request: TransportRequest,
    message: OutboundMessage,
    signal: AbortSignal,
    renewed: boolean,
  ): Promise<Step<string>> {
    const tracingId = tracingIdOf(request.commandId, request.attempt, renewed ? 'r' : '');
    let waitedInline = false;
    for (;;) {
      try {
        await connection.pacer.acquire(signal);
      } catch (error) {
        if (error instanceof SleepAbortedError) return { ok: false, failure: abortedFailure() };
        throw error;
      }
      const wait = connection.waitFor(
        (frame) =>
          tracingOf(frame) === tracingId &&
          (frame.kind !== 'structured' || frame.direction === 'Inbound'),
        signal,
      );
      if (!connection.send((token) => ({ action: 'onMessage', token, tracingId, message }))) {
        wait.cancel();
        return { ok: false, failure: connectionLost() };
      }
      const answer = await wait.result;
      const frame = frameOf(answer, 'echo');
      if (!frame.ok) return frame;
      const f = frame.value;
      if (f.kind === 'structured') return { ok: true, value: f.id };
      if (f.kind === 'tooManyRequests') {
        const retryAfterMs = f.retryAfterMs ?? 1000;
        connection.pacer.pauseUntil(this.deps.clock.now() + retryAfterMs);
        this.deps.logger.info('Web Messaging rate limit: pausing this guest', {
          guestSession: connection.key,
          commandId: request.commandId,
          retryAfterMs,
        });
        if (!waitedInline && retryAfterMs <= this.deps.maxInlineRateLimitWaitMs) {
          // Only this guest waits; every other guest keeps sending.
          waitedInline = true;
          continue;
        }
        return { ok: false, failure: serverFailure(429, f.errorMessage, retryAfterMs) };
      }
      return errorStep(f);
    }
  }
}
