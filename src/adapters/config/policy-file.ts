/**
 * GTX_POLICY_FILE: the content policy of the CLI and `gtx serve`, as a JSON file holding the
 * library's `PolicySettings` keys (docs/policy.md). Read and checked once at start: ajv checks
 * its shape (unknown keys, types, ranges), then the policy is compiled as the transmitter will
 * compile it (RE2 patterns, media types), so that every problem of the file stops the program in
 * one line that names the file and each problem, before anything is sent.
 */
import { readFileSync, statSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import {
  GtxError,
  InvalidPolicyConfigError,
  type PolicySettingProblem,
} from '../../domain/index.js';
import { compilePolicy, oneLine, type PolicySettings } from '../../domain/policies/index.js';

/** The keys a policy file may hold: every `PolicySettings` key but the sandbox-only one. */
export type PolicyFileSettings = Omit<PolicySettings, 'allowLoopbackAttachmentUrls'>;

const POLICY_FILE_KEYS = [
  'blockedPatterns',
  'supportedMediaTypes',
  'maxTextChars',
  'maxTextBytes',
  'maxAttachmentBytes',
  'maxAttachments',
  'maxMetadataBytes',
] as const satisfies readonly (keyof PolicyFileSettings)[];

/** Far above any sensible policy; keeps a wrong path (a log, a disk image) from being read whole. */
const MAX_FILE_BYTES = 1_048_576;

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const limit = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

const schema = {
  type: 'object',
  properties: {
    blockedPatterns: stringList,
    supportedMediaTypes: stringList,
    maxTextChars: limit,
    maxTextBytes: limit,
    maxAttachmentBytes: limit,
    maxAttachments: limit,
    maxMetadataBytes: limit,
  },
  additionalProperties: false,
} as const;

const check = new Ajv({ allErrors: true, strict: true }).compile<PolicyFileSettings>(schema);

export class PolicyFileError extends GtxError {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super('POLICY_FILE_INVALID', `GTX_POLICY_FILE ${oneLine(path)}: ${problems.join('; ')}`, {
      details: { path, problems },
    });
  }
}

/** The file's settings, checked and known to compile; PolicyFileError otherwise. */
export function loadPolicyFile(path: string): PolicyFileSettings {
  const value = parseJson(path, readText(path));
  const shapeProblems = check(value)
    ? []
    : (check.errors ?? []).map((error) => explain(error, value));
  // The policy is compiled even when ajv found problems, so that one run names all of them
  // (a bad pattern beside a wrong type); ajv's word counts where both name the same setting.
  const named = new Set(shapeProblems.map((problem) => problem.setting));
  const compileProblems = isObject(value)
    ? policyProblems(knownSettings(value)).filter((problem) => !named.has(problem.setting))
    : [];
  const problems = [...shapeProblems, ...compileProblems];
  if (problems.length > 0) {
    throw new PolicyFileError(
      path,
      problems.map(({ setting, reason }) => `${setting}: ${reason}`),
    );
  }
  return value as PolicyFileSettings;
}

function readText(path: string): string {
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) {
      throw new PolicyFileError(path, [`is ${size} bytes; a policy file holds at most 1 MiB`]);
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof PolicyFileError) throw error;
    throw new PolicyFileError(path, [`cannot be read (${reasonOf(error)})`]);
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    // Editors on Windows may start the file with a byte order mark, which JSON does not allow.
    return JSON.parse(text.replace(/^\ufeff/u, '')) as unknown;
  } catch (error) {
    throw new PolicyFileError(path, [`is not valid JSON (${reasonOf(error)})`]);
  }
}

/** The policy keys of the file, whatever their values: compilePolicy checks those itself. */
function knownSettings(value: Readonly<Record<string, unknown>>): PolicySettings {
  return Object.fromEntries(
    POLICY_FILE_KEYS.filter((key) => Object.hasOwn(value, key)).map((key) => [key, value[key]]),
  );
}

function policyProblems(settings: PolicySettings): readonly PolicySettingProblem[] {
  try {
    compilePolicy(settings);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidPolicyConfigError)) throw error;
    return error.problems;
  }
}

/** `/blockedPatterns/2` -> `blockedPatterns[2]`, the way compilePolicy names settings. */
function settingName(instancePath: string): string {
  const [key = '', ...indexes] = instancePath.split('/').slice(1);
  return `${key}${indexes.map((index) => `[${index}]`).join('')}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a JSON object',
  array: 'a list of strings',
  string: 'a string',
  integer: 'a whole number',
};

function explain(error: ErrorObject, root: unknown): PolicySettingProblem {
  const setting = settingName(error.instancePath);
  const got = shown(valueAt(root, error.instancePath));
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      return {
        setting: shown(name),
        reason: `is not a policy setting (known: ${POLICY_FILE_KEYS.join(', ')})`,
      };
    }
    case 'type': {
      const type = String((error.params as { type?: unknown }).type);
      return {
        setting: setting === '' ? 'the file' : setting,
        reason: `must be ${TYPE_NAMES[type] ?? type} (got ${got})`,
      };
    }
    case 'minimum':
      return { setting, reason: `must be at least 1 (got ${got})` };
    case 'maximum':
      return { setting, reason: `must be at most ${Number.MAX_SAFE_INTEGER} (got ${got})` };
    case 'minLength':
      return { setting, reason: 'must not be empty' };
    default:
      return { setting, reason: error.message ?? 'is invalid' };
  }
}

function valueAt(root: unknown, instancePath: string): unknown {
  let value = root;
  for (const part of instancePath.split('/').slice(1)) {
    value =
      isObject(value) || Array.isArray(value)
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  return value;
}

const SHOWN_CHARS = 60;

/** A value as JSON, shortened: a policy file is not secret, but a problem stays one line. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'an object';
  // Values parsed from JSON always stringify; only a missing one has no JSON form.
  const json = value === undefined ? 'nothing' : oneLine(JSON.stringify(value));
  const chars = Array.from(json);
  return chars.length <= SHOWN_CHARS ? json : `${chars.slice(0, SHOWN_CHARS).join('')}…`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reasonOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}
