/**
 * Validating any outbound command. Every violation is collected, never only the first, in
 * a stable order: the common fields (command id, guest, conversation), then the fields of
 * the command's kind in declaration order. Commands can come from untrusted JSON, so
 * nothing here trusts the static types: a wrong runtime type becomes a violation.
 */
import type { OutboundCommand } from '../commands.js';
import type { Violation } from '../violation.js';
import type { CompiledPolicy } from './compile-policy.js';
import { validateGuest } from './guest-policy.js';
import { identifierProblem } from './identifier-policy.js';
import { validateMessage } from './message-policy.js';
import { FIXED_LIMITS } from './policy-settings.js';
import { validateReceipt } from './receipt-policy.js';
import { field, isRecord } from './runtime-types.js';

export function validateCommand(
  command: OutboundCommand,
  policy: CompiledPolicy,
): readonly Violation[] {
  const untrusted: unknown = command;
  if (!isRecord(untrusted)) {
    return [{ code: 'COMMAND_MALFORMED', field: '', message: 'command must be an object' }];
  }
  const common = [
    ...validateIdentifier(untrusted.commandId, '/commandId', 'COMMAND_ID_INVALID', 'commandId'),
    ...validateGuest(untrusted.guest),
    ...validateIdentifier(
      untrusted.conversationRef,
      '/conversationRef',
      'CONVERSATION_REF_INVALID',
      'conversationRef',
    ),
  ];
  switch (field(untrusted, 'kind')) {
    case 'message':
      return [...common, ...validateMessage(untrusted, policy)];
    case 'receipt':
      return [...common, ...validateReceipt(untrusted)];
    case 'typing':
      return common;
    default:
      return [
        {
          code: 'COMMAND_MALFORMED',
          field: '/kind',
          message: 'kind must be message, receipt or typing',
        },
        ...common,
      ];
  }
}

function validateIdentifier(
  value: unknown,
  pointer: string,
  code: Violation['code'],
  name: string,
): Violation[] {
  const problem = identifierProblem(value, FIXED_LIMITS.identifierChars);
  return problem === undefined ? [] : [{ code, field: pointer, message: `${name} ${problem}` }];
}
