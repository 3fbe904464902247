import { describe, expect, it } from 'vitest';
import { SequentialIdGenerator } from '../../../src/adapters/ids/uuid-id-generator.js';
import {
  InvalidCommandInputError,
  MAX_TEXT_CHARS,
  parseMessageInput,
  parseReceiptInput,
} from '../../../src/application/commands/command-input.js';
import { compilePolicy, validateCommand } from '../../../src/domain/policies/index.js';

const ids = () => new SequentialIdGenerator('gen');

function problems(value: unknown): { field: string; message: string }[] {
  try {
    parseMessageInput(value, ids());
  } catch (error) {
    if (error instanceof InvalidCommandInputError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the input to be refused');
}

describe('command input', () => {
  it('leaves a long text to the policy: over a million characters parses, the policy rejects it', () => {
    const command = parseMessageInput({ guest: { id: 'g' }, text: 'x'.repeat(1_000_001) }, ids());
    const codes = validateCommand(command, compilePolicy()).map((v) => v.code);
    expect(codes).toContain('TEXT_TOO_MANY_CHARS');
    expect(problems({ guest: { id: 'g' }, text: 'x'.repeat(MAX_TEXT_CHARS + 1) })).toEqual([
      { field: '/text', message: `must NOT have more than ${MAX_TEXT_CHARS} characters` },
    ]);
  });

  it('fills in defaults: a generated id, Opaque guests, the guest id as conversation', () => {
    expect(parseMessageInput({ guest: { id: 'g1' }, text: 'hi' }, ids())).toEqual({
      kind: 'message',
      commandId: 'gen-1',
      guest: { id: 'g1', idType: 'Opaque' },
      conversationRef: 'g1',
      text: 'hi',
      attachments: [],
      metadata: {},
    });
  });

  it('reads JSON null in an optional field as absent', () => {
    const command = parseMessageInput(
      {
        id: null,
        guest: { id: 'g1', nickname: null },
        text: null,
        conversation: null,
        metadata: null,
      },
      ids(),
    );
    expect(command).toEqual({
      kind: 'message',
      commandId: 'gen-1',
      guest: { id: 'g1', idType: 'Opaque' },
      conversationRef: 'g1',
      attachments: [],
      metadata: {},
    });
  });

  it('names every problem with a JSON pointer, including unknown and missing fields', () => {
    expect(problems({ guest: { idType: 'Fax' }, txt: 'typo', attachments: [{ url: 1 }] })).toEqual(
      expect.arrayContaining([
        { field: '/txt', message: 'is not a known field' },
        { field: '/guest/id', message: 'is required' },
        expect.objectContaining({ field: '/guest/idType' }),
        expect.objectContaining({ field: '/attachments/0/url' }),
        { field: '/attachments/0/mime', message: 'is required' },
      ]),
    );
  });

  it('refuses ids, guest ids and conversations the ledger would not store as given', () => {
    const reason =
      'must not contain a NUL character or an unpaired surrogate (neither is stored as given)';
    expect(
      problems({ id: 'c\u0000', guest: { id: 'g\ud800' }, conversation: '\udc00r', text: 'x' }),
    ).toEqual([
      { field: '/id', message: reason },
      { field: '/guest/id', message: reason },
      { field: '/conversation', message: reason },
    ]);
    // A NUL in the text is fine: content is sealed JSON, never a key.
    const command = parseMessageInput({ id: 'c-😀', guest: { id: 'g' }, text: 'a\u0000b' }, ids());
    expect(command.commandId).toBe('c-😀');
    const receipt = { guest: { id: 'g\u0000' }, messageId: 'm', status: 'Delivered' };
    expect(() => parseReceiptInput(receipt, ids())).toThrow(/\/guest\/id must not contain a NUL/);
    expect(parseReceiptInput({ ...receipt, guest: { id: 'g' } }, ids()).guest.id).toBe('g');
  });

  it('keeps a __proto__ metadata key as plain data without touching prototypes', () => {
    const command = parseMessageInput(
      JSON.parse('{"guest":{"id":"g"},"text":"x","metadata":{"__proto__":"polluted"}}'),
      ids(),
    );
    expect(Object.getPrototypeOf(command.metadata)).toBe(Object.prototype);
    expect(Object.keys(command.metadata)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a receipt status Genesys does not accept (Read)', () => {
    expect(() =>
      parseReceiptInput({ guest: { id: 'g' }, messageId: 'm', status: 'Read' }, ids()),
    ).toThrow(InvalidCommandInputError);
  });
});
