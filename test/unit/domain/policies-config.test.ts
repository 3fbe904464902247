import { describe, expect, it } from 'vitest';
import { hasErrorCode, InvalidPolicyConfigError } from '../../../src/domain/errors.js';
import {
  analyseRegexSafety,
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
      blockedPatterns: ['<script[^>]*>[\\s\\S]*?</script>', 'malware\\.exe', 'blocked_keyword'],
      supportedMediaTypes: ['image/png', 'image/jpeg', 'application/pdf', 'text/plain'],
      maxAttachmentBytes: 26_214_400,
      maxAttachments: 10,
      allowLoopbackAttachmentUrls: false,
      maxMetadataBytes: 2048,
    });
    expect(policy.settings).toEqual(DEFAULT_POLICY_SETTINGS);
    expect(policy.blockedPatterns.map((pattern) => pattern.flags)).toEqual(['iu', 'iu', 'iu']);
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
    [{ blockedPatterns: ['fine', 'also fine', '(a+)+$'] }, 'blockedPatterns[2]'],
    [{ blockedPatterns: ['(\\w+\\s?)*$'] }, 'blockedPatterns[0]'],
    [{ supportedMediaTypes: ['image'] }, 'supportedMediaTypes[0]'],
    [{ supportedMediaTypes: ['image/png', '*/png'] }, 'supportedMediaTypes[1]'],
    [{ supportedMediaTypes: ['image/png; q=1'] }, 'supportedMediaTypes[0]'],
    [{ supportedMediaTypes: ['image/*/x'] }, 'supportedMediaTypes[0]'],
    [{ supportedMediaTypes: [''] }, 'supportedMediaTypes[0]'],
    [{ maxTextChar: 10 } as PolicySettings, 'maxTextChar'],
  ])('rejects %j, naming %s', (settings, setting) => {
    const error = configError(settings);
    expect(hasErrorCode(error, 'INVALID_POLICY_CONFIG')).toBe(true);
    expect(error.details).toEqual({ setting });
    expect(error.message.startsWith(`${setting}: `)).toBe(true);
  });

  it('says why a pattern is refused', () => {
    expect(configError({ blockedPatterns: ['(a|aa)*b'] }).message).toMatch(
      /^blockedPatterns\[0\]: risks catastrophic backtracking/u,
    );
    expect(configError({ blockedPatterns: ['(?<x'] }).message).toMatch(
      /^blockedPatterns\[0\]: is not a valid regular expression/u,
    );
    expect(configError({ blockedPatterns: ['.*'] }).message).toBe(
      'blockedPatterns[0]: matches empty text, so it would block everything',
    );
  });

  it('treats an explicit undefined from JavaScript callers as "use the default"', () => {
    const settings = { maxTextChars: undefined } as unknown as PolicySettings;
    expect(compilePolicy(settings).settings.maxTextChars).toBe(4000);
  });
});

describe('analyseRegexSafety', () => {
  it.each([
    '(a+)+',
    '(a*)*',
    '(a+)*b',
    '(a|a)*',
    '(a|aa)*',
    '(a|aa)+$',
    '(\\w+\\s?)*',
    '(.*a){3}',
    '(.*a){2,}',
    '(?:x+y?)+',
    '(a{1,3})+',
    '((ab)*)*',
    '(?:a|b|ab)*c',
    '(?:[ab]|b)+',
    '(?:\\d|1)+',
    '(?:.|x)+',
    '(?:a|)+',
    '(?:x|\\x78)*',
    '(?:\\u0041|a)*',
    '(?<word>\\w+,?)+',
    '(?:(?:a|aa))+',
    '(?:(?=a)a+)+',
    '^(([a-z])+.)+[A-Z]([a-z])+$',
  ])('rejects %s', (source) => {
    expect(analyseRegexSafety(source).safe).toBe(false);
  });

  it.each([
    '<script[^>]*>[\\s\\S]*?</script>',
    'malware\\.exe',
    'blocked_keyword',
    'credit\\s*card',
    '\\b\\d{16}\\b',
    '(ab)+',
    '(a|b)*',
    '(?:foo|bar)+',
    '(?:[ab]|c)+',
    '(\\d{3})+',
    '(?:a{2})*',
    'https?://[^\\s/]+',
    '[(]+\\)',
    '\\(a+\\)+',
    '[a+]+',
    '(?<word>\\w+)',
    'x{2,5}y+z*',
    '^\\p{Lu}+$',
  ])('accepts %s', (source) => {
    expect(analyseRegexSafety(source)).toEqual({ safe: true });
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
