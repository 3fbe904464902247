import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboundCommand } from '../../../src/domain/commands.js';
import {
  codePointLength,
  compilePolicy,
  utf8ByteLength,
  validateCommand,
} from '../../../src/domain/policies/index.js';
import { tutorialPolicySettings } from '../../support/tutorial-policy.js';

const policy = compilePolicy();
// Blocks `malware.exe`: a violation that could quote the text.
const tutorial = compilePolicy(tutorialPolicySettings);
const sandbox = compilePolicy({ allowLoopbackAttachmentUrls: true, maxTextChars: 50 });

// Full Unicode, lone surrogates included, plus strings shaped like the real thing.
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string(),
  fc.constantFrom('', ' ', 'malware.exe', 'https://127.1/', 'image/png', '+123456789', 'a@b.co'),
  fc.webUrl(),
);
// Anything JSON could carry where a string is expected.
const anyValue = fc.oneof(anyString, fc.jsonValue(), fc.constant(undefined));

const attachment = fc.record({
  url: anyValue,
  mime: anyValue,
  filename: anyValue,
  sizeBytes: fc.oneof(fc.integer(), fc.double(), anyValue),
  sha256: anyValue,
  caption: anyValue,
});

const guest = fc.oneof(
  fc.record({
    id: anyValue,
    idType: fc.oneof(fc.constantFrom('Opaque', 'Email', 'Phone'), anyValue),
    nickname: anyValue,
    firstName: anyValue,
    lastName: anyValue,
  }),
  anyValue,
);

const common = {
  commandId: anyValue,
  guest,
  conversationRef: anyValue,
};

const message = fc.record({
  kind: fc.constant('message'),
  ...common,
  text: anyValue,
  attachments: fc.oneof(fc.array(fc.oneof(attachment, anyValue), { maxLength: 12 }), anyValue),
  metadata: fc.oneof(fc.dictionary(anyString, anyValue), anyValue),
});

const receipt = fc.record({
  kind: fc.constant('receipt'),
  ...common,
  messageId: anyValue,
  status: fc.oneof(fc.constantFrom('Delivered', 'Failed'), anyValue),
  reasons: fc.oneof(
    fc.array(fc.oneof(fc.record({ code: anyValue, message: anyValue }), anyValue), {
      maxLength: 4,
    }),
    anyValue,
  ),
});

const typing = fc.record({ kind: fc.oneof(fc.constant('typing'), anyString), ...common });

const command = fc.oneof(
  message,
  receipt,
  typing,
) as fc.Arbitrary<unknown> as fc.Arbitrary<OutboundCommand>;

describe('validateCommand properties', () => {
  it('never throws, returns well-formed violations, and is deterministic', () => {
    fc.assert(
      fc.property(command, (candidate) => {
        for (const chosen of [policy, sandbox]) {
          const first = validateCommand(candidate, chosen);
          const second = validateCommand(structuredClone(candidate), chosen);
          expect(second).toEqual(first);
          for (const violation of first) {
            expect(typeof violation.code).toBe('string');
            expect(violation.field === '' || violation.field.startsWith('/')).toBe(true);
            expect(violation.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never repeats the message text in violation messages', () => {
    const marker = 'ZQXJ-SECRET';
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.nat({ max: 5000 }),
        (prefix, repeat) => {
          const text = `${prefix}${marker}${'x'.repeat(repeat)} malware.exe`;
          const violations = validateCommand(
            {
              kind: 'message',
              commandId: 'c',
              guest: { id: 'g', idType: 'Opaque' },
              conversationRef: 'r',
              text,
              attachments: [],
              metadata: {},
            },
            tutorial,
          );
          expect(violations.length).toBeGreaterThan(0);
          for (const violation of violations) expect(violation.message).not.toContain(marker);
        },
      ),
    );
  });

  it('counts like the platform: code points as iterated, bytes as TextEncoder encodes', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(codePointLength(text)).toBe(Array.from(text).length);
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
      }),
    );
  });
});
