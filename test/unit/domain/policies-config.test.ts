import { describe, expect, it } from 'vitest';
import { hasErrorCode, InvalidPolicyConfigError } from '../../../src/domain/errors.js';
import {
  compilePolicy,
  DEFAULT_POLICY_SETTINGS,
  isValidMediaTypePattern,
  mediaTypeMatches,
  type PolicySettings,
} from '../../../src/domain/policies/index.js';

function configError(settings: PolicySettings): InvalidPolicyConfigError {
  try {
    compilePolicy(settings);
  } catch (error) {
    if (error instanceof InvalidPolicyConfigError) return error;
    throw error;
  }
  throw new Error('compilePolicy accepted the settings');
}

describe('compilePolicy', () => {
  it('fills in the documented defaults', () => {
    const policy = compilePolicy();
    expect(policy.settings).toEqual({
      maxTextChars: 4000,
      maxTextBytes: 4096,
      blockedPatterns: [],
      supportedMediaTypes: ['*/*'],
      maxAttachmentBytes: 26_214_400,
      maxAttachments: 10,
      allowLoopbackAttachmentUrls: false,
      maxMetadataBytes: 2048,
    });
    expect(policy.settings).toEqual(DEFAULT_POLICY_SETTINGS);
    expect(policy.blockedPatterns).toEqual([]);
  });

  it('compiles each blocked pattern, in order, matching case-insensitively', () => {
    const policy = compilePolicy({ blockedPatterns: ['credit\\s*card', 'ß'] });
    expect(policy.blockedPatterns.map((pattern) => pattern.source)).toEqual([
      'credit\\s*card',
      'ß',
    ]);
    expect(policy.blockedPatterns.map((pattern) => pattern.test('my CREDIT  Card'))).toEqual([
      true,
      false,
    ]);
    expect(policy.blockedPatterns[1]?.test('STRAẞE')).toBe(true);
  });

  it('keeps what is set and defaults the rest', () => {
    const policy = compilePolicy({ maxTextChars: 100, supportedMediaTypes: ['*/*'] });
    expect(policy.settings.maxTextChars).toBe(100);
    expect(policy.settings.maxTextBytes).toBe(4096);
    expect(policy.settings.supportedMediaTypes).toEqual(['*/*']);
  });

  it('is not affected by later changes to the settings passed in', () => {
    const blockedPatterns = ['foo'];
    const policy = compilePolicy({ blockedPatterns });
    blockedPatterns.push('bar');
    expect(policy.settings.blockedPatterns).toEqual(['foo']);
    expect(policy.blockedPatterns).toHaveLength(1);
    expect(Object.isFrozen(policy.settings)).toBe(true);
  });

  it('allows an empty media type list (no attachments at all) and no blocked patterns', () => {
    expect(() => compilePolicy({ supportedMediaTypes: [], blockedPatterns: [] })).not.toThrow();
  });

  it.each([
    [{ maxTextChars: 0 }, 'maxTextChars'],
    [{ maxTextBytes: -1 }, 'maxTextBytes'],
    [{ maxAttachmentBytes: 1.5 }, 'maxAttachmentBytes'],
    [{ maxAttachments: Number.NaN }, 'maxAttachments'],
    [{ maxMetadataBytes: Number.POSITIVE_INFINITY }, 'maxMetadataBytes'],
    [{ maxTextChars: '4000' as unknown as number }, 'maxTextChars'],
    [{ allowLoopbackAttachmentUrls: 'yes' as unknown as boolean }, 'allowLoopbackAttachmentUrls'],
    [{ blockedPatterns: 'malware' as unknown as string[] }, 'blockedPatterns'],
    [{ blockedPatterns: ['ok', 3 as unknown as string] }, 'blockedPatterns[1]'],
    [{ blockedPatterns: ['('] }, 'blockedPatterns[0]'],
    [{ blockedPatterns: ['ok', '[z-a]'] }, 'blockedPatterns[1]'],
    [{ blockedPatterns: [''] }, 'blockedPatterns[0]'],
    [{ blockedPatterns: ['x?'] }, 'blockedPatterns[0]'],
    [{ blockedPatterns: ['fine', 'also fine', '(a)\\1'] }, 'blockedPatterns[2]'],
    [{ blockedPatterns: ['(?=x)y'] }, 'blockedPatterns[0]'],
    [{ supportedMediaTypes: ['image'] }, 'supportedMediaTypes[0]'],
    [{ supportedMediaTypes: ['image/png', '*/png'] }, 'supportedMediaTypes[1]'],
    [{ supportedMediaTypes: ['image/png; q=1'] }, 'supportedMediaTypes[0]'],
    [{ supportedMediaTypes: ['image/*/x'] }, 'supportedMediaTypes[0]'],
    [{ supportedMediaTypes: [''] }, 'supportedMediaTypes[0]'],
    [{ maxTextChar: 10 } as PolicySettings, 'maxTextChar'],
  ])('rejects %j, naming %s', (settings, setting) => {
    const error = configError(settings);
    expect(hasErrorCode(error, 'INVALID_POLICY_CONFIG')).toBe(true);
    expect(error.details.setting).toBe(setting);
    expect(error.problems.map((problem) => problem.setting)).toEqual([setting]);
    expect(error.message.startsWith(`${setting}: `)).toBe(true);
  });

  it('names every bad setting in one line, in the order of the settings', () => {
    const error = configError({
      maxTextChars: 0,
      blockedPatterns: ['ok', '(a)\\1', 7 as unknown as string, 'x\n('],
      supportedMediaTypes: ['image'],
      colour: 'red',
    } as PolicySettings);
    expect(error.problems.map((problem) => problem.setting)).toEqual([
      'colour',
      'maxTextChars',
      'blockedPatterns[1]',
      'blockedPatterns[2]',
      'blockedPatterns[3]',
      'supportedMediaTypes[0]',
    ]);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toContain('blockedPatterns[3]: "x\\n(" is not a pattern RE2 can compile');
  });

  it.each([
    ['a backreference', '(a)\\1', 'invalid escape sequence: \\1'],
    ['a named backreference', '(?<w>a)\\k<w>', 'invalid escape sequence: \\k'],
    ['a lookahead', 'x(?=y)', 'invalid perl operator: (?='],
    ['a negative lookahead', 'x(?!y)', 'invalid perl operator: (?!'],
    ['a lookbehind', '(?<=x)y', 'invalid perl operator: (?<='],
    ['an atomic group', '(?>x)', 'invalid perl operator: (?>'],
    ['a possessive quantifier', 'x++', 'bad repetition operator: ++'],
    ['a repetition over 1000', 'x{1001}', 'invalid repetition size: {1001}'],
    ['an unclosed group', '(?<x', 'invalid named capture group: (?P<x'],
  ])("refuses %s, naming the pattern and RE2's reason", (_name, source, reason) => {
    expect(configError({ blockedPatterns: ['fine', source] }).message).toBe(
      `blockedPatterns[1]: ${JSON.stringify(source)} is not a pattern RE2 can compile (${reason})`,
    );
  });

  it('says why a pattern is refused', () => {
    expect(configError({ blockedPatterns: ['.*'] }).message).toBe(
      'blockedPatterns[0]: ".*" matches empty text, so it would block everything',
    );
    expect(configError({ blockedPatterns: [`${'x'.repeat(100)}(`] }).message).toMatch(
      /^blockedPatterns\[0\]: "x{80}"… is not a pattern RE2 can compile/u,
    );
  });

  it('treats an explicit undefined from JavaScript callers as "use the default"', () => {
    const settings = { maxTextChars: undefined } as unknown as PolicySettings;
    expect(compilePolicy(settings).settings.maxTextChars).toBe(4000);
  });
});

describe('media types', () => {
  it.each([
    ['image/png', 'image/png', true],
    ['IMAGE/PNG', 'image/png', true],
    ['image/png', 'IMAGE/PNG', true],
    ['image/png; charset=x', 'image/png', true],
    ['image/png', 'image/*', true],
    ['image/svg+xml', 'image/*', true],
    ['application/pdf', 'image/*', false],
    ['application/pdf', '*/*', true],
    ['image/png', 'image/jpeg', false],
    ['image/pngx', 'image/png', false],
    ['image', 'image/*', false],
    ['image/*', 'image/*', false],
    ['*/*', '*/*', false],
    ['image/png', '*/png', false],
    ['', '*/*', false],
    ['vnd.x/y', 'vnd.x/*', true],
  ] as const)('%j against %j: %s', (mime, pattern, expected) => {
    expect(mediaTypeMatches(mime, pattern)).toBe(expected);
  });

  it.each([
    ['image/png', true],
    ['image/*', true],
    ['*/*', true],
    ['application/vnd.ms-excel', true],
    ['*/png', false],
    ['image', false],
    ['image/png;q=1', false],
    ['ima ge/png', false],
    ['*', false],
  ] as const)('pattern %j valid: %s', (pattern, expected) => {
    expect(isValidMediaTypePattern(pattern)).toBe(expected);
  });
});
