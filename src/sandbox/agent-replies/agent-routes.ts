import type { FastifyReply } from 'fastify';
import type { Answer } from '../http/answer.js';
import type { SandboxApp } from '../http/sandbox-app.js';
import type { AgentDesk } from './agent-desk.js';

export const OUTBOUND_CONTROL_PATH = '/__sandbox/outbound';

/**
 * `GET /__sandbox/outbound`: what the agent sent and how each webhook went, for someone running
 * `gtx sandbox` by hand (tests call the same methods directly). A control endpoint: not counted.
 */
export function registerAgentRoutes(
  app: SandboxApp,
  desk: Pick<AgentDesk, 'deliveries' | 'agentMessages' | 'stats'>,
  send: (reply: FastifyReply, answer: Answer) => FastifyReply,
): void {
  app.get(OUTBOUND_CONTROL_PATH, (_request, reply) =>
    send(reply, {
      status: 200,
      body: {
        agentMessages: desk.agentMessages(),
        deliveries: desk.deliveries(),
        stats: desk.stats(),
      },
    }),
  );
}
