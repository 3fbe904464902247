import type { ReceiptReason } from '../../domain/index.js';
import type { AgentMessageNotice } from './agent-message-arrival.js';

/** The receipt to send Genesys for one agent message, or null to send none. */
export type AgentReceiptDecision =
  | { readonly status: 'Delivered' }
  | { readonly status: 'Failed'; readonly reasons: readonly ReceiptReason[] }
  | null;

/**
 * How agent messages are acknowledged: `delivered` (the default) sends a `Delivered` receipt for
 * each, `off` none; a function decides per message (e.g. `Failed` with reasons when the
 * embedding application could not show it). Asked once per message: a retried webhook finds
 * the receipt already requested and asks nothing.
 */
export type AgentReceiptPolicy =
  | 'delivered'
  | 'off'
  | ((message: AgentMessageNotice) => AgentReceiptDecision | Promise<AgentReceiptDecision>);

/**
 * The command id of the receipt for an agent message: derived from its Genesys id, so however
 * often the webhook is retried (or the process crashes after the record), one receipt is sent.
 */
export function agentReceiptCommandId(genesysMessageId: string): string {
  return `agent-receipt-${genesysMessageId}`;
}

export async function decideReceipt(
  policy: AgentReceiptPolicy,
  notice: AgentMessageNotice,
): Promise<AgentReceiptDecision> {
  // Only an agent's message addressed to a known conversation is acknowledged: a receipt is a
  // transmission of that conversation, and Genesys' own receipts and typing need none. The Web
  // Messaging guest protocol has no receipts: a message heard on a guest's socket gets none.
  if (notice.type !== 'AgentMessageReceived' || notice.conversationRef === null) return null;
  if (notice.channel !== 'open-messaging') return null;
  if (policy === 'off') return null;
  if (policy === 'delivered') return { status: 'Delivered' };
  return policy(notice);
}
