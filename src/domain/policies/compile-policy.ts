/**
 * Turning user settings into a policy ready to run: defaults filled in, patterns compiled
 * once, and every setting checked so that a bad one fails at start with a message that
 * names it, instead of failing (or hanging) on the first message.
 */
import { InvalidPolicyConfigError } from '../errors.js';
import { isValidMediaTypePattern } from './media-type.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from './policy-settings.js';
import { analyseRegexSafety } from './regex-safety.js';

export interface CompiledPolicy {
  readonly settings: Readonly<Required<PolicySettings>>;
  /** `blockedPatterns`, compiled in order with the `iu` flags (no `g`: matching is stateless). */
  readonly blockedPatterns: readonly RegExp[];
}

type LimitSetting =
  'maxTextChars' | 'maxTextBytes' | 'maxAttachmentBytes' | 'maxAttachments' | 'maxMetadataBytes';

const LIMIT_SETTINGS: readonly LimitSetting[] = [
  'maxTextChars',
  'maxTextBytes',
  'maxAttachmentBytes',
  'maxAttachments',
  'maxMetadataBytes',
];

const KNOWN_SETTINGS = new Set<string>(Object.keys(DEFAULT_POLICY_SETTINGS));

export function compilePolicy(settings: PolicySettings = {}): CompiledPolicy {
  rejectUnknownSettings(settings);
  const merged = withDefaults(settings);
  for (const name of LIMIT_SETTINGS) requirePositiveInteger(name, merged[name]);
  if (typeof merged.allowLoopbackAttachmentUrls !== 'boolean') {
    throw new InvalidPolicyConfigError('allowLoopbackAttachmentUrls', 'must be true or false');
  }
  const blockedPatterns = requireStringList('blockedPatterns', merged.blockedPatterns).map(
    (source, index) => compileBlockedPattern(source, index),
  );
  requireStringList('supportedMediaTypes', merged.supportedMediaTypes).forEach((pattern, index) => {
    if (!isValidMediaTypePattern(pattern)) {
      throw new InvalidPolicyConfigError(
        `supportedMediaTypes[${index}]`,
        'must be a media type such as image/png, a wildcard such as image/*, or */*',
      );
    }
  });
  return Object.freeze({
    settings: Object.freeze({
      ...merged,
      blockedPatterns: Object.freeze([...merged.blockedPatterns]) as string[],
      supportedMediaTypes: Object.freeze([...merged.supportedMediaTypes]) as string[],
    }),
    blockedPatterns: Object.freeze(blockedPatterns),
  });
}

function rejectUnknownSettings(settings: PolicySettings): void {
  for (const name of Object.keys(settings)) {
    if (!KNOWN_SETTINGS.has(name)) {
      throw new InvalidPolicyConfigError(name, 'is not a known policy setting');
    }
  }
}

/** Runtime `undefined` (possible from JavaScript callers) means "use the default". */
function withDefaults(settings: PolicySettings): Required<PolicySettings> {
  const defined = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as PolicySettings;
  return { ...DEFAULT_POLICY_SETTINGS, ...defined };
}

function requirePositiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidPolicyConfigError(name, 'must be a positive whole number');
  }
}

function requireStringList(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new InvalidPolicyConfigError(name, 'must be a list of strings');
  return value.map((item: unknown, index) => {
    if (typeof item !== 'string') {
      throw new InvalidPolicyConfigError(`${name}[${index}]`, 'must be a string');
    }
    return item;
  });
}

function compileBlockedPattern(source: string, index: number): RegExp {
  const setting = `blockedPatterns[${index}]`;
  if (source === '') throw new InvalidPolicyConfigError(setting, 'must not be empty');
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, 'iu');
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidPolicyConfigError(setting, `is not a valid regular expression (${detail})`);
  }
  const safety = analyseRegexSafety(source);
  if (!safety.safe) {
    throw new InvalidPolicyConfigError(
      setting,
      `risks catastrophic backtracking (${safety.reason}); rewrite it without nesting`,
    );
  }
  if (pattern.test('')) {
    throw new InvalidPolicyConfigError(setting, 'matches empty text, so it would block everything');
  }
  return pattern;
}
