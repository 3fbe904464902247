import type { SandboxOutboundStats } from './types.js';

/** The counters behind `outboundStats()`, written by the agent desk and the webhook poster. */
export type OutboundCounters = { -readonly [K in keyof SandboxOutboundStats]: number };

export function emptyOutboundCounters(): OutboundCounters {
  return {
    agentMessages: 0,
    receiptsPosted: 0,
    attempts: 0,
    retries: 0,
    timeouts: 0,
    delivered: 0,
    refused: 0,
    gaveUp: 0,
    withoutWebhook: 0,
    acknowledged: 0,
  };
}
