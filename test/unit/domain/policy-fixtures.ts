/** Builders for policy tests: valid commands by default, each field overridable. */
import type {
  AcknowledgeAgentMessage,
  Attachment,
  OutboundCommand,
  SendTypingIndicator,
  TransmitMessage,
} from '../../../src/domain/commands.js';
import type { Violation, ViolationCode } from '../../../src/domain/violation.js';
import { compilePolicy } from '../../../src/domain/policies/index.js';
import { tutorialPolicySettings } from '../../support/tutorial-policy.js';

export const defaultPolicy = compilePolicy();
/** The tutorial's patterns (`<script>…</script>` #0, `malware\.exe` #1, `blocked_keyword` #2) and media list. */
export const tutorialPolicy = compilePolicy(tutorialPolicySettings);

export const VALID_SHA256 = 'a'.repeat(64);

export function anAttachment(overrides: Partial<Attachment> = {}): Attachment {
  return {
    url: 'https://cdn.example.com/files/report.pdf',
    mime: 'application/pdf',
    filename: 'report.pdf',
    sizeBytes: 1024,
    ...overrides,
  };
}

export function aMessage(overrides: Partial<TransmitMessage> = {}): TransmitMessage {
  return {
    kind: 'message',
    commandId: 'cmd-1',
    guest: { id: 'guest-1', idType: 'Opaque' },
    conversationRef: 'conv-1',
    text: 'Hello, I need help with my order',
    attachments: [],
    metadata: {},
    ...overrides,
  };
}

export function aReceipt(
  overrides: Partial<AcknowledgeAgentMessage> = {},
): AcknowledgeAgentMessage {
  return {
    kind: 'receipt',
    commandId: 'cmd-2',
    guest: { id: 'guest-1', idType: 'Opaque' },
    conversationRef: 'conv-1',
    messageId: 'genesys-msg-1',
    status: 'Delivered',
    reasons: [],
    ...overrides,
  };
}

export function aTypingIndicator(
  overrides: Partial<SendTypingIndicator> = {},
): SendTypingIndicator {
  return {
    kind: 'typing',
    commandId: 'cmd-3',
    guest: { id: 'guest-1', idType: 'Opaque' },
    conversationRef: 'conv-1',
    ...overrides,
  };
}

/** A command as it might arrive from untrusted JSON: right shape, anything inside. */
export function untrusted(command: object, overrides: Record<string, unknown>): OutboundCommand {
  return { ...command, ...overrides } as unknown as OutboundCommand;
}

/** An attachment-shaped object with arbitrary runtime types. */
export function untrustedAttachment(overrides: Record<string, unknown>): Attachment {
  const attachment: unknown = { ...anAttachment(), ...overrides };
  return attachment as Attachment;
}

export function codesOf(violations: readonly Violation[]): ViolationCode[] {
  return violations.map((violation) => violation.code);
}
