/**
 * Turning user settings into a policy ready to run: defaults filled in, patterns compiled
 * once, and every setting checked so that bad ones fail at start with one message that
 * names each of them, instead of failing on the first message.
 */
import { InvalidPolicyConfigError, type PolicySettingProblem } from '../errors.js';
import { compileBlockedPattern, type BlockedPattern } from './blocked-pattern.js';
import { isValidMediaTypePattern } from './media-type.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from './policy-settings.js';

export interface CompiledPolicy {
  readonly settings: Readonly<Required<PolicySettings>>;
  /** `blockedPatterns`, compiled in order for RE2 (case-insensitive, linear-time). */
  readonly blockedPatterns: readonly BlockedPattern[];
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

const MEDIA_TYPE_REASON =
  'must be a media type such as image/png, a wildcard such as image/*, or */*';

const KNOWN_SETTINGS = new Set<string>(Object.keys(DEFAULT_POLICY_SETTINGS));

export function compilePolicy(settings: PolicySettings = {}): CompiledPolicy {
  const problems: PolicySettingProblem[] = [];
  const problem = (setting: string, reason: string): void => {
    problems.push({ setting, reason });
  };
  for (const name of Object.keys(settings)) {
    if (!KNOWN_SETTINGS.has(name)) problem(name, 'is not a known policy setting');
  }
  const merged = withDefaults(settings);
  for (const name of LIMIT_SETTINGS) {
    if (!isPositiveInteger(merged[name])) problem(name, 'must be a positive whole number');
  }
  if (typeof merged.allowLoopbackAttachmentUrls !== 'boolean') {
    problem('allowLoopbackAttachmentUrls', 'must be true or false');
  }
  const blockedPatterns: BlockedPattern[] = [];
  forEachString('blockedPatterns', merged.blockedPatterns, problem, (source, setting) => {
    const compiled = compileBlockedPattern(source);
    if ('pattern' in compiled) blockedPatterns.push(compiled.pattern);
    else problem(setting, compiled.problem);
  });
  forEachString('supportedMediaTypes', merged.supportedMediaTypes, problem, (pattern, setting) => {
    if (!isValidMediaTypePattern(pattern)) {
      problem(setting, MEDIA_TYPE_REASON);
    }
  });
  const [first, ...rest] = problems;
  if (first !== undefined) throw new InvalidPolicyConfigError([first, ...rest]);
  return Object.freeze({
    settings: Object.freeze({
      ...merged,
      blockedPatterns: Object.freeze([...merged.blockedPatterns]) as string[],
      supportedMediaTypes: Object.freeze([...merged.supportedMediaTypes]) as string[],
    }),
    blockedPatterns: Object.freeze(blockedPatterns),
  });
}

/**
 * `policy` with another list of supported media types (a Supported Content profile's), checked
 * as `compilePolicy` checks the setting; InvalidPolicyConfigError names each bad pattern.
 */
export function withSupportedMediaTypes(
  policy: CompiledPolicy,
  supportedMediaTypes: readonly string[],
): CompiledPolicy {
  const problems: PolicySettingProblem[] = [];
  forEachString(
    'supportedMediaTypes',
    supportedMediaTypes,
    (setting, reason) => problems.push({ setting, reason }),
    (pattern, setting) => {
      if (!isValidMediaTypePattern(pattern)) problems.push({ setting, reason: MEDIA_TYPE_REASON });
    },
  );
  const [first, ...rest] = problems;
  if (first !== undefined) throw new InvalidPolicyConfigError([first, ...rest]);
  return Object.freeze({
    ...policy,
    settings: Object.freeze({
      ...policy.settings,
      supportedMediaTypes: Object.freeze([...supportedMediaTypes]) as string[],
    }),
  });
}

/** Runtime `undefined` (possible from JavaScript callers) means "use the default". */
function withDefaults(settings: PolicySettings): Required<PolicySettings> {
  const defined = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as PolicySettings;
  return { ...DEFAULT_POLICY_SETTINGS, ...defined };
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Visits each item of a list setting that is a string; anything else is a problem. */
function forEachString(
  name: string,
  value: unknown,
  problem: (setting: string, reason: string) => void,
  visit: (item: string, setting: string) => void,
): void {
  if (!Array.isArray(value)) {
    problem(name, 'must be a list of strings');
    return;
  }
  value.forEach((item: unknown, index) => {
    const setting = `${name}[${index}]`;
    if (typeof item === 'string') visit(item, setting);
    else problem(setting, 'must be a string');
  });
}
