import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { CliIo } from '../adapters/cli/cli-io.js';
import type { RunningAgentWebhook } from '../adapters/cli/cli-services.js';
import { outboundWebhookRoutes } from '../adapters/http/outbound-webhook-routes.js';
import type { Logger } from '../application/ports/index.js';
import type { Transmitter } from '../application/transmitter.js';

const PATH = '/v1/genesys/outbound';

/**
 * `gtx demo`'s receiver of the sandbox's agent replies: the same signed webhook route as
 * `gtx serve`, alone on a loopback port, under a secret made for this run.
 */
export async function startDemoAgentWebhook(
  _io: CliIo,
  transmitter: Transmitter,
  logger: Logger,
): Promise<RunningAgentWebhook> {
  const secret = randomBytes(24).toString('base64url');
  const app = Fastify({ logger: false });
  // As in the service: the route's response schemas document answers, they never serialize them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(outboundWebhookRoutes, {
    transmitter,
    logger,
    path: PATH,
    secret,
    bodyLimitBytes: 262_144,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${PATH}`, secret, close: () => app.close() };
}
