import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { errorBody } from './error-body.js';
import { unencapsulated } from './unencapsulated.js';

/**
 * Graceful stop of the HTTP side: counts the requests being handled, answers new ones on open
 * connections 503 SHUTTING_DOWN (`Connection: close`) once closing, and lets `close` wait for the
 * ones in flight.
 */
export class ShutdownGate {
  private accepting = true;
  private inFlight = 0;
  private readonly idleWaiters = new Set<() => void>();

  readonly plugin: FastifyPluginCallback = unencapsulated((app, _options, done) => {
    app.addHook('onRequest', async (request, reply) => {
      this.inFlight += 1;
      reply.raw.once('close', () => {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of [...this.idleWaiters]) resolve();
      });
      if (this.accepting) return undefined;
      void reply.header('connection', 'close');
      return reply
        .code(503)
        .send(errorBody(request, 'SHUTTING_DOWN', 'the service is shutting down'));
    });
    done();
  });

  /**
   * Stops listening, answers new requests 503, waits up to `timeoutMs` for requests being
   * handled, then closes every connection that is left.
   */
  async close(app: FastifyInstance, timeoutMs: number): Promise<void> {
    this.accepting = false;
    const closed = app.close();
    await this.untilIdle(timeoutMs);
    // Keep-alive connections with no request being handled (or with a request answered 503
    // whose body was never read) would hold server.close() open until their timeouts.
    app.server.closeAllConnections();
    await closed;
  }

  private untilIdle(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.inFlight === 0) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.idleWaiters.add(done);
    });
  }
}
