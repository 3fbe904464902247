import type { InputProblem } from '../commands/command-input.js';
import type { OutcomeNotice } from '../ports/index.js';
import type { TransmissionOutcome } from '../transmission/transmission-outcome.js';

/**
 * The notices `publishOutcomesTo` receives, one JSON object per consumed message. Ids, codes and
 * counts only: never the message text, the guest's profile or the body of a refused message.
 * A field that changes meaning bumps NOTICE_VERSION.
 */
export const NOTICE_VERSION = 1;

const encoder = new TextEncoder();

function encode(value: Record<string, unknown>): Uint8Array {
  return encoder.encode(JSON.stringify({ version: NOTICE_VERSION, ...value }));
}

function detailsOf(outcome: TransmissionOutcome): Record<string, unknown> {
  switch (outcome.status) {
    case 'delivered':
      return {
        attempts: outcome.attempts,
        genesysMessageId: outcome.genesysMessageId,
        genesysConversationId: outcome.genesysConversationId,
      };
    case 'rejected':
      return { violations: outcome.violations.map(({ code, field }) => ({ code, field })) };
    case 'deadLettered':
      return {
        attempts: outcome.attempts,
        reason: outcome.reason,
        lastFailure:
          outcome.lastFailure === null
            ? null
            : { status: outcome.lastFailure.status, code: outcome.lastFailure.code },
      };
  }
}

export function outcomeNotice(
  outcome: TransmissionOutcome,
  brokerMessageId: string | null,
): OutcomeNotice {
  return {
    commandId: outcome.commandId,
    status: outcome.status,
    body: encode({
      commandId: outcome.commandId,
      status: outcome.status,
      kind: outcome.kind,
      duplicate: outcome.duplicate,
      brokerMessageId,
      ...detailsOf(outcome),
    }),
  };
}

export function intakeFailureNotice(failure: {
  readonly brokerMessageId: string | null;
  readonly bodySha256: string;
  readonly problems: readonly InputProblem[];
}): OutcomeNotice {
  return {
    commandId: null,
    status: 'intakeFailed',
    body: encode({
      commandId: null,
      status: 'intakeFailed',
      brokerMessageId: failure.brokerMessageId,
      bodySha256: failure.bodySha256,
      problems: failure.problems,
    }),
  };
}
