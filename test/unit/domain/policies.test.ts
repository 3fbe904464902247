import { describe, expect, it } from 'vitest';
import type { OutboundCommand } from '../../../src/domain/commands.js';
import type { ViolationCode } from '../../../src/domain/violation.js';
import { compilePolicy, validateCommand } from '../../../src/domain/policies/index.js';
import {
  aMessage,
  anAttachment,
  aReceipt,
  aTypingIndicator,
  codesOf,
  defaultPolicy,
  tutorialPolicy,
  untrusted,
  untrustedAttachment,
  VALID_SHA256,
} from './policy-fixtures.js';

interface Case {
  readonly name: string;
  readonly command: OutboundCommand;
  readonly field: string;
}

// The tutorial's policy unless a test says otherwise: its patterns and media list are what these
// tests block and refuse; its limits are the defaults.
function expectOnly(
  command: OutboundCommand,
  code: ViolationCode,
  field: string,
  policy = tutorialPolicy,
): void {
  const violations = validateCommand(command, policy);
  expect(violations.map(({ code, field }) => ({ code, field }))).toEqual([{ code, field }]);
}

function expectValid(command: OutboundCommand, policy = tutorialPolicy): void {
  expect(validateCommand(command, policy)).toEqual([]);
}

describe('validateCommand: valid commands', () => {
  it.each([
    ['a plain message', aMessage()],
    [
      'a message with only an attachment',
      aMessage({ text: undefined as never, attachments: [anAttachment()] }),
    ],
    [
      'a message without text property',
      untrusted(aMessage({ attachments: [anAttachment()] }), { text: undefined }),
    ],
    [
      'a message with a full attachment',
      aMessage({ attachments: [anAttachment({ sha256: VALID_SHA256, caption: 'Invoice' })] }),
    ],
    ['a message with metadata', aMessage({ metadata: { orderId: '42', 'a/b~c': 'x' } })],
    ['a Delivered receipt', aReceipt()],
    [
      'a Failed receipt with reasons',
      aReceipt({ status: 'Failed', reasons: [{ code: 'GeneralError', message: 'x' }] }),
    ],
    [
      'a Failed receipt, reason without code',
      aReceipt({ status: 'Failed', reasons: [{ message: 'gone' }] }),
    ],
    ['a Failed receipt without reasons', aReceipt({ status: 'Failed' })],
    ['a typing indicator', aTypingIndicator()],
    [
      'a guest with a profile',
      aMessage({
        guest: {
          id: 'g',
          idType: 'Opaque',
          nickname: 'Zoë',
          firstName: '太郎',
          lastName: "O'Brien",
        },
      }),
    ],
    ['an Email guest', aMessage({ guest: { id: 'ana.maria+tag@example.co.uk', idType: 'Email' } })],
    ['a Phone guest, 7 digits', aMessage({ guest: { id: '+1234567', idType: 'Phone' } })],
    ['a Phone guest, 15 digits', aMessage({ guest: { id: '+123456789012345', idType: 'Phone' } })],
    [
      'ids at exactly 256 characters',
      aMessage({
        commandId: 'c'.repeat(256),
        conversationRef: '会'.repeat(256),
        guest: { id: '😀'.repeat(256), idType: 'Opaque' },
      }),
    ],
  ] as const)('%s', (_name, command) => {
    expectValid(command);
  });

  it('ignores message fields on a typing indicator', () => {
    expectValid(untrusted(aTypingIndicator(), { text: 'malware.exe', attachments: 'nope' }));
  });
});

describe('validateCommand: common fields', () => {
  const guestIdCases: Case[] = [
    {
      name: 'empty id',
      command: aMessage({ guest: { id: '', idType: 'Opaque' } }),
      field: '/guest/id',
    },
    {
      name: 'blank id',
      command: aMessage({ guest: { id: '  \t', idType: 'Opaque' } }),
      field: '/guest/id',
    },
    {
      name: '257 chars',
      command: aMessage({ guest: { id: 'g'.repeat(257), idType: 'Opaque' } }),
      field: '/guest/id',
    },
    {
      name: 'control char',
      command: aMessage({ guest: { id: 'a\u0007b', idType: 'Opaque' } }),
      field: '/guest/id',
    },
    {
      name: 'C1 control char',
      command: aMessage({ guest: { id: 'a\u0085b', idType: 'Opaque' } }),
      field: '/guest/id',
    },
    {
      name: 'number id',
      command: untrusted(aMessage(), { guest: { id: 42, idType: 'Opaque' } }),
      field: '/guest/id',
    },
    {
      name: 'unknown idType',
      command: untrusted(aMessage(), { guest: { id: 'g', idType: 'Fax' } }),
      field: '/guest/idType',
    },
    {
      name: 'guest not an object',
      command: untrusted(aMessage(), { guest: 'g' }),
      field: '/guest',
    },
    { name: 'guest null', command: untrusted(aMessage(), { guest: null }), field: '/guest' },
    {
      name: 'Email without @',
      command: aMessage({ guest: { id: 'not-an-email', idType: 'Email' } }),
      field: '/guest/id',
    },
    {
      name: 'Email without dot in domain',
      command: aMessage({ guest: { id: 'a@b', idType: 'Email' } }),
      field: '/guest/id',
    },
    {
      name: 'Email with space',
      command: aMessage({ guest: { id: 'a b@c.com', idType: 'Email' } }),
      field: '/guest/id',
    },
    {
      name: 'Email with two @',
      command: aMessage({ guest: { id: 'a@b@c.com', idType: 'Email' } }),
      field: '/guest/id',
    },
    {
      name: 'Phone without +',
      command: aMessage({ guest: { id: '4420794609', idType: 'Phone' } }),
      field: '/guest/id',
    },
    {
      name: 'Phone with 6 digits',
      command: aMessage({ guest: { id: '+123456', idType: 'Phone' } }),
      field: '/guest/id',
    },
    {
      name: 'Phone with 16 digits',
      command: aMessage({ guest: { id: '+1234567890123456', idType: 'Phone' } }),
      field: '/guest/id',
    },
    {
      name: 'Phone with spaces',
      command: aMessage({ guest: { id: '+44 20 7946 0958', idType: 'Phone' } }),
      field: '/guest/id',
    },
    {
      name: 'Phone with country code 0',
      command: aMessage({ guest: { id: '+0123456789', idType: 'Phone' } }),
      field: '/guest/id',
    },
    {
      name: 'Phone with full-width digits',
      command: aMessage({ guest: { id: '+１２３４５６７８', idType: 'Phone' } }),
      field: '/guest/id',
    },
  ];
  it.each(guestIdCases)('GUEST_ID_INVALID: $name', ({ command, field }) => {
    expectOnly(command, 'GUEST_ID_INVALID', field);
  });

  const profileCases: Case[] = [
    {
      name: 'nickname too long',
      command: aMessage({ guest: { id: 'g', idType: 'Opaque', nickname: 'n'.repeat(257) } }),
      field: '/guest/nickname',
    },
    {
      name: 'firstName not a string',
      command: untrusted(aMessage(), { guest: { id: 'g', idType: 'Opaque', firstName: 7 } }),
      field: '/guest/firstName',
    },
    {
      name: 'lastName with NUL',
      command: aMessage({ guest: { id: 'g', idType: 'Opaque', lastName: 'a\u0000' } }),
      field: '/guest/lastName',
    },
  ];
  it.each(profileCases)('GUEST_PROFILE_INVALID: $name', ({ command, field }) => {
    expectOnly(command, 'GUEST_PROFILE_INVALID', field);
  });

  it('accepts profile fields of exactly 256 code points, emoji included', () => {
    expectValid(aMessage({ guest: { id: 'g', idType: 'Opaque', nickname: '🇫🇷'.repeat(128) } }));
  });

  it.each([
    ['empty', ''],
    ['257 chars', 'r'.repeat(257)],
    ['escape char', 'conv\u001b[31m'],
    ['a number', 42],
    ['null', null],
  ])('CONVERSATION_REF_INVALID: %s', (_name, conversationRef) => {
    expectOnly(
      untrusted(aTypingIndicator(), { conversationRef }),
      'CONVERSATION_REF_INVALID',
      '/conversationRef',
    );
  });

  it.each([
    ['empty', ''],
    ['missing', undefined],
    ['a number', 1],
    ['newline', 'a\nb'],
  ])('COMMAND_ID_INVALID: %s', (_name, commandId) => {
    expectOnly(untrusted(aTypingIndicator(), { commandId }), 'COMMAND_ID_INVALID', '/commandId');
  });

  it('COMMAND_MALFORMED: unknown kind', () => {
    expectOnly(untrusted(aTypingIndicator(), { kind: 'fax' }), 'COMMAND_MALFORMED', '/kind');
  });

  it.each([null, 'message', 42, []])('COMMAND_MALFORMED: %j is not a command', (value) => {
    expectOnly(value as unknown as OutboundCommand, 'COMMAND_MALFORMED', '');
  });
});

describe('validateCommand: message text', () => {
  it.each([
    ['no text and no attachment', untrusted(aMessage(), { text: undefined })],
    ['empty text', aMessage({ text: '' })],
    ['white space only', aMessage({ text: ' \n\t\u00a0\u3000' })],
    ['a lone zero-width space', aMessage({ text: '\u200b' })],
    ['a soft hyphen and a BOM', aMessage({ text: '\u00ad\ufeff' })],
  ])('MESSAGE_EMPTY: %s', (_name, command) => {
    expectOnly(command, 'MESSAGE_EMPTY', '/text');
  });

  it('TEXT_INVALID when text is not a string (and no MESSAGE_EMPTY on top)', () => {
    expectOnly(untrusted(aMessage(), { text: 42 }), 'TEXT_INVALID', '/text');
  });

  const small = compilePolicy({ maxTextChars: 10, maxTextBytes: 1000 });
  it.each([
    ['10 ASCII', 'a'.repeat(10), true],
    ['11 ASCII', 'a'.repeat(11), false],
    ['two ZWJ families (5 code points each)', '👨‍👩‍👧'.repeat(2), true],
    ['two ZWJ families and one more', `${'👨‍👩‍👧'.repeat(2)}a`, false],
    ['five flags (2 code points each)', '🇫🇷🇯🇵🇧🇷🇺🇸🇩🇪', true],
    ['five flags and one more', '🇫🇷🇯🇵🇧🇷🇺🇸🇩🇪!', false],
    ['five decomposed é (e + U+0301)', 'e\u0301'.repeat(5), true],
    ['five decomposed é and one more', `${'e\u0301'.repeat(5)}x`, false],
    ['ten CJK', '漢'.repeat(10), true],
    ['eleven CJK', '漢'.repeat(11), false],
    ['ten astral emoji (20 UTF-16 units)', '😀'.repeat(10), true],
  ])('TEXT_TOO_MANY_CHARS counts code points: %s', (_name, text, ok) => {
    const codes = codesOf(validateCommand(aMessage({ text }), small));
    expect(codes).toEqual(ok ? [] : ['TEXT_TOO_MANY_CHARS']);
  });

  it.each([
    ['4001 ASCII is over 4000 chars but not over bytes', 'a'.repeat(4001), ['TEXT_TOO_MANY_CHARS']],
    ['4000 ASCII', 'a'.repeat(4000), []],
    ['2048 é is exactly 4096 bytes', 'é'.repeat(2048), []],
    ['2049 é is 4098 bytes', 'é'.repeat(2049), ['TEXT_TOO_MANY_BYTES']],
    ['1365 CJK is 4095 bytes', '中'.repeat(1365), []],
    ['1366 CJK is 4098 bytes', '中'.repeat(1366), ['TEXT_TOO_MANY_BYTES']],
    ['1024 emoji is exactly 4096 bytes', '😀'.repeat(1024), []],
    ['1025 emoji is 4100 bytes', '😀'.repeat(1025), ['TEXT_TOO_MANY_BYTES']],
    ['4000 chars at exactly 4096 bytes', `${'a'.repeat(3904)}${'é'.repeat(96)}`, []],
    ['4000 chars at 4097 bytes', `${'a'.repeat(3903)}${'é'.repeat(97)}`, ['TEXT_TOO_MANY_BYTES']],
    ['227 ZWJ families: 1135 chars, 4086 bytes', '👨‍👩‍👧'.repeat(227), []],
    ['228 ZWJ families: 4104 bytes', '👨‍👩‍👧'.repeat(228), ['TEXT_TOO_MANY_BYTES']],
    [
      '4001 CJK breaks both limits',
      '中'.repeat(4001),
      ['TEXT_TOO_MANY_CHARS', 'TEXT_TOO_MANY_BYTES'],
    ],
  ] as const)('default limits: %s', (_name, text, expected) => {
    expect(codesOf(validateCommand(aMessage({ text }), defaultPolicy))).toEqual(expected);
  });

  it('reports counts and limits but never the text', () => {
    const text = 'secret-'.repeat(700);
    const violations = validateCommand(aMessage({ text }), defaultPolicy);
    expect(violations.map((violation) => violation.message)).toEqual([
      'text has 4900 characters; the limit is 4000',
      'text is 4900 bytes in UTF-8; the limit is 4096',
    ]);
  });
});

describe('validateCommand: content policy', () => {
  it.each([
    ['plain', 'please run malware.exe', 1],
    ['upper case', 'MALWARE.EXE', 1],
    ['mixed case', 'MaLwArE.eXe', 1],
    ['full-width', 'ｍａｌｗａｒｅ．ｅｘｅ', 1],
    ['mathematical bold', '𝐦𝐚𝐥𝐰𝐚𝐫𝐞.exe', 1],
    ['zero-width space', 'mal\u200bware.exe', 1],
    ['zero-width joiner', 'blocked\u200d_keyword', 2],
    ['zero-width non-joiner', 'blocked_\u200ckeyword', 2],
    ['soft hyphen', 'mal\u00adware.exe', 1],
    ['word joiner', 'm\u2060alware.exe', 1],
    ['byte order mark', 'malware\ufeff.exe', 1],
    ['combining grapheme joiner', 'malware\u034f.exe', 1],
    ['variation selector', 'mal\ufe0fware.exe', 1],
    ['Mongolian vowel separator', 'malware.\u180eexe', 1],
    ['left-to-right mark', 'blocked_\u200ekeyword', 2],
    ['full-width keyword', 'ＢＬＯＣＫＥＤ＿ＫＥＹＷＯＲＤ', 2],
    ['script tag', '<script>alert(1)</script>', 0],
    ['script tag, odd case and attributes', '<ScRiPt type="text/javascript">x</SCRIPT>', 0],
    ['full-width script tag', '＜script＞alert(1)＜／script＞', 0],
    ['script tag across lines', '<script>\nalert(1)\n</script>', 0],
  ] as const)('CONTENT_BLOCKED: %s', (_name, text, patternIndex) => {
    const violations = validateCommand(aMessage({ text }), tutorialPolicy);
    expect(violations).toEqual([
      {
        code: 'CONTENT_BLOCKED',
        field: '/text',
        message: `text matches blocked pattern #${patternIndex}`,
      },
    ]);
  });

  it.each([
    ['the escaped dot is a dot', 'malware_exe'],
    ['words apart', 'blocked keyword'],
    ['an unclosed script tag', '<script> hello'],
    ['ordinary text with emoji', 'Thanks 👍🏽 see you at 5'],
  ])('not blocked: %s', (_name, text) => {
    expectValid(aMessage({ text }));
  });

  it('reports every matching pattern, in pattern order', () => {
    const text = '<script>x</script> blocked_keyword and malware.exe';
    const violations = validateCommand(aMessage({ text }), tutorialPolicy);
    expect(violations.map((violation) => violation.message)).toEqual([
      'text matches blocked pattern #0',
      'text matches blocked pattern #1',
      'text matches blocked pattern #2',
    ]);
  });

  it('applies to attachment captions and file names', () => {
    const command = aMessage({
      attachments: [
        anAttachment({ filename: 'ＭＡＬＷＡＲＥ.ＥＸＥ', caption: 'blocked\u200b_keyword' }),
      ],
    });
    expect(validateCommand(command, tutorialPolicy)).toEqual([
      {
        code: 'CONTENT_BLOCKED',
        field: '/attachments/0/filename',
        message: 'attachment 0 filename matches blocked pattern #1',
      },
      {
        code: 'CONTENT_BLOCKED',
        field: '/attachments/0/caption',
        message: 'attachment 0 caption matches blocked pattern #2',
      },
    ]);
  });

  it('uses the configured patterns', () => {
    const policy = compilePolicy({ blockedPatterns: ['credit\\s*card', '\\b\\d{16}\\b'] });
    expect(
      codesOf(validateCommand(aMessage({ text: 'my CREDIT   card is 4111111111111111' }), policy)),
    ).toEqual(['CONTENT_BLOCKED', 'CONTENT_BLOCKED']);
    expectValid(aMessage({ text: 'malware.exe' }), policy);
  });

  it("stays fast on text crafted against the tutorial's script pattern", () => {
    const text = '<script'.repeat(570);
    expect(validateCommand(aMessage({ text }), tutorialPolicy)).toEqual([]);
  });
});

describe('validateCommand: the default policy', () => {
  it.each([
    'please run malware.exe',
    'blocked_keyword',
    '<script>alert(1)</script>',
    'DROP TABLE guests; --',
  ])('blocks no content: %j', (text) => {
    expectValid(aMessage({ text }), defaultPolicy);
  });

  it.each(['image/gif', 'application/x-msdownload', 'video/mp4', 'audio/ogg; codecs=opus'])(
    "accepts every well-formed media type, as Genesys' default profile does: %s",
    (mime) => {
      expectValid(aMessage({ attachments: [anAttachment({ mime })] }), defaultPolicy);
    },
  );

  it.each(['image', '', 'image/*', 'text/ plain'])(
    'still refuses a malformed media type %j',
    (mime) => {
      const command = aMessage({ attachments: [anAttachment({ mime })] });
      expectOnly(
        command,
        'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED',
        '/attachments/0/mime',
        defaultPolicy,
      );
    },
  );
});

describe('validateCommand: attachments', () => {
  const at = (overrides: Record<string, unknown>): OutboundCommand =>
    aMessage({ attachments: [untrustedAttachment(overrides)] });

  it.each([
    ['a type not in the list', 'image/gif'],
    ['a near miss', 'image/pngx'],
    ['no subtype', 'image'],
    ['empty', ''],
    ['a wildcard is not a type', 'image/*'],
    ['three parts', 'image/png/x'],
    ['spaces inside', 'image/ png'],
    ['a number', 42],
    ['missing', undefined],
  ])('ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED: %s', (_name, mime) => {
    expectOnly(at({ mime }), 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED', '/attachments/0/mime');
  });

  it.each(['IMAGE/PNG', 'image/jpeg', 'text/plain; charset=utf-8', ' application/pdf '])(
    'accepts media type %j',
    (mime) => {
      expectValid(at({ mime }));
    },
  );

  it('names the media type but not a malformed one', () => {
    const [gif] = validateCommand(at({ mime: 'image/GIF' }), tutorialPolicy);
    expect(gif?.message).toBe('media type image/gif is not supported');
    const [bad] = validateCommand(at({ mime: 'secret text' }), tutorialPolicy);
    expect(bad?.message).not.toContain('secret');
  });

  it.each([
    ['exactly 25 MiB', 26_214_400, []],
    ['one byte over', 26_214_401, ['ATTACHMENT_TOO_LARGE']],
    ['1 byte', 1, []],
  ] as const)('size %s', (_name, sizeBytes, expected) => {
    expect(codesOf(validateCommand(at({ sizeBytes }), tutorialPolicy))).toEqual(expected);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1024', null, undefined])(
    'ATTACHMENT_SIZE_INVALID: %j',
    (sizeBytes) => {
      expectOnly(at({ sizeBytes }), 'ATTACHMENT_SIZE_INVALID', '/attachments/0/sizeBytes');
    },
  );

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['256 characters', `${'f'.repeat(252)}.pdf`],
    ['a slash', 'dir/report.pdf'],
    ['a backslash', 'dir\\report.pdf'],
    ['a traversal', '../../etc/passwd'],
    ['dot dot', '..'],
    ['a NUL', 'report\u0000.pdf'],
    ['a newline', 'report\n.pdf'],
    ['a right-to-left override', 'invoice\u202efdp.exe'],
    ['a number', 7],
  ])('ATTACHMENT_FILENAME_INVALID: %s', (_name, filename) => {
    expectOnly(at({ filename }), 'ATTACHMENT_FILENAME_INVALID', '/attachments/0/filename');
  });

  it.each([
    ['255 characters', `${'f'.repeat(251)}.pdf`],
    ['255 CJK characters', '報'.repeat(255)],
    ['accents', 'résumé final (v2).pdf'],
    ['emoji', '📄 notes.txt'],
  ])('accepts filename with %s', (_name, filename) => {
    expectValid(at({ filename }));
  });

  it.each([
    ['too short', 'abc'],
    ['65 hex digits', 'a'.repeat(65)],
    ['non-hex', 'g'.repeat(64)],
    ['empty', ''],
    ['a number', 12],
  ])('ATTACHMENT_SHA256_INVALID: %s', (_name, sha256) => {
    expectOnly(at({ sha256 }), 'ATTACHMENT_SHA256_INVALID', '/attachments/0/sha256');
  });

  it('accepts sha256 in either case', () => {
    expectValid(at({ sha256: 'ABCDEF0123456789'.repeat(4) }));
  });

  it.each([
    ['a number', 5],
    ['4001 characters', 'c'.repeat(4001)],
  ])('ATTACHMENT_CAPTION_INVALID: %s', (_name, caption) => {
    expectOnly(at({ caption }), 'ATTACHMENT_CAPTION_INVALID', '/attachments/0/caption');
  });

  it('ATTACHMENTS_TOO_MANY above the limit, still checking each one', () => {
    const ten = Array.from({ length: 10 }, () => anAttachment());
    expectValid(aMessage({ attachments: ten }));
    const eleven = [...ten, anAttachment({ mime: 'image/gif' })];
    const violations = validateCommand(aMessage({ attachments: eleven }), tutorialPolicy);
    expect(violations.map(({ code, field }) => ({ code, field }))).toEqual([
      { code: 'ATTACHMENTS_TOO_MANY', field: '/attachments' },
      { code: 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED', field: '/attachments/10/mime' },
    ]);
    expect(violations[0]?.message).toBe('message has 11 attachments; the limit is 10');
  });

  it.each([
    ['not a list', { attachments: 'file.pdf' }, '/attachments'],
    ['an item that is not an object', { attachments: [null] }, '/attachments/0'],
  ])('ATTACHMENTS_INVALID: %s', (_name, overrides, field) => {
    expectOnly(untrusted(aMessage(), overrides), 'ATTACHMENTS_INVALID', field);
  });
});

describe('validateCommand: metadata', () => {
  // {"k":"…"} is 8 bytes plus the value.
  it.each([
    ['exactly 2048 bytes', { k: 'v'.repeat(2040) }, []],
    ['2049 bytes', { k: 'v'.repeat(2041) }, ['METADATA_TOO_LARGE']],
    ['exactly 2048 bytes of é', { k: 'é'.repeat(1020) }, []],
    ['2050 bytes of é', { k: 'é'.repeat(1021) }, ['METADATA_TOO_LARGE']],
    ['escapes count as encoded', { k: '"'.repeat(1021) }, ['METADATA_TOO_LARGE']],
    [
      'many keys',
      Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key${i}`, 'v'])),
      ['METADATA_TOO_LARGE'],
    ],
  ] as const)('%s', (_name, metadata, expected) => {
    expect(codesOf(validateCommand(aMessage({ metadata }), defaultPolicy))).toEqual(expected);
  });

  it.each([
    ['an empty key', { '': 'x' }, '/metadata/'],
    ['a number value', { count: 3 }, '/metadata/count'],
    ['a key needing escapes', { 'a/b~c': null }, '/metadata/a~1b~0c'],
    ['not an object', 'x', '/metadata'],
    ['a list', ['x'], '/metadata'],
    ['null', null, '/metadata'],
  ])('METADATA_INVALID: %s', (_name, metadata, field) => {
    expectOnly(untrusted(aMessage(), { metadata }), 'METADATA_INVALID', field);
  });
});

describe('validateCommand: receipts', () => {
  it.each([
    ['empty', ''],
    ['257 chars', 'm'.repeat(257)],
    ['a control char', 'id\u0000'],
    ['a number', 9],
  ])('RECEIPT_MESSAGE_ID_INVALID: %s', (_name, messageId) => {
    expectOnly(untrusted(aReceipt(), { messageId }), 'RECEIPT_MESSAGE_ID_INVALID', '/messageId');
  });

  it.each(['Read', 'delivered', '', undefined])('RECEIPT_STATUS_INVALID: %j', (status) => {
    expectOnly(untrusted(aReceipt(), { status }), 'RECEIPT_STATUS_INVALID', '/status');
  });

  it.each([
    ['reasons with Delivered', { status: 'Delivered', reasons: [{ message: 'x' }] }, '/reasons'],
    [
      'a reason with an empty message',
      { status: 'Failed', reasons: [{ message: '' }] },
      '/reasons/0/message',
    ],
    [
      'a reason with a missing message',
      { status: 'Failed', reasons: [{ code: 'GeneralError' }] },
      '/reasons/0/message',
    ],
    [
      'a reason with a too long message',
      { status: 'Failed', reasons: [{ message: 'm'.repeat(1025) }] },
      '/reasons/0/message',
    ],
    [
      'an unknown reason code',
      { status: 'Failed', reasons: [{ code: 'Nope', message: 'x' }] },
      '/reasons/0/code',
    ],
    ['reasons not a list', { status: 'Failed', reasons: 'x' }, '/reasons'],
    ['a reason that is not an object', { status: 'Failed', reasons: ['x'] }, '/reasons/0'],
  ])('RECEIPT_REASONS_INVALID: %s', (_name, overrides, field) => {
    expectOnly(untrusted(aReceipt(), overrides), 'RECEIPT_REASONS_INVALID', field);
  });
});

describe('validateCommand: collecting', () => {
  it('reports every violation at once, in a stable order', () => {
    const command = untrusted(aMessage(), {
      commandId: '',
      guest: { id: 'nope', idType: 'Phone', nickname: 'n'.repeat(300) },
      conversationRef: '',
      text: `${'中'.repeat(1400)} malware.exe`,
      attachments: [
        untrustedAttachment({
          url: 'http://admin:hunter2@169.254.169.254/latest',
          mime: 'application/x-msdownload',
          filename: 'C:\\evil.exe',
          sizeBytes: 26_214_401,
          sha256: 'zz',
          caption: 7,
        }),
      ],
      metadata: { '': 'x' },
    });
    const violations = validateCommand(command, tutorialPolicy);
    expect(violations.map(({ code, field }) => `${code} ${field}`)).toEqual([
      'COMMAND_ID_INVALID /commandId',
      'GUEST_ID_INVALID /guest/id',
      'GUEST_PROFILE_INVALID /guest/nickname',
      'CONVERSATION_REF_INVALID /conversationRef',
      'TEXT_TOO_MANY_BYTES /text',
      'CONTENT_BLOCKED /text',
      'ATTACHMENT_URL_NOT_HTTPS /attachments/0/url',
      'ATTACHMENT_URL_HAS_CREDENTIALS /attachments/0/url',
      'ATTACHMENT_URL_HOST_NOT_ALLOWED /attachments/0/url',
      'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED /attachments/0/mime',
      'ATTACHMENT_FILENAME_INVALID /attachments/0/filename',
      'ATTACHMENT_TOO_LARGE /attachments/0/sizeBytes',
      'ATTACHMENT_SHA256_INVALID /attachments/0/sha256',
      'ATTACHMENT_CAPTION_INVALID /attachments/0/caption',
      'METADATA_INVALID /metadata/',
    ]);
    const messages = violations.map((violation) => violation.message).join('\n');
    expect(messages).not.toMatch(/hunter2|admin|malware|中|evil/u);
  });

  it('reports receipt violations together', () => {
    const command = untrusted(aReceipt(), {
      guest: { id: '', idType: 'Opaque' },
      messageId: '',
      status: 'Read',
      reasons: [{ code: 'Bad', message: '' }],
    });
    expect(codesOf(validateCommand(command, tutorialPolicy))).toEqual([
      'GUEST_ID_INVALID',
      'RECEIPT_MESSAGE_ID_INVALID',
      'RECEIPT_STATUS_INVALID',
      'RECEIPT_REASONS_INVALID',
      'RECEIPT_REASONS_INVALID',
    ]);
  });
});
