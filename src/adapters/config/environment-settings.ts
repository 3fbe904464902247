import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import dotenv from 'dotenv';
import { GtxError } from '../../domain/index.js';
import { regionHostProblem } from './genesys-regions.js';

/** Settings read from the environment (and `.env`), with the names SDK users already know. */
export interface EnvironmentSettings {
  GENESYS_ENVIRONMENT: string;
  GENESYS_CLIENT_ID?: string;
  GENESYS_CLIENT_SECRET?: string;
  GENESYS_INTEGRATION_ID?: string;
  GENESYS_API_URL?: string;
  /** Which transport sends: the Open Messaging SDK (default) or the Web Messaging Guest API. */
  GTX_TRANSPORT: 'open-messaging' | 'web-messaging';
  /** The Messenger deployment of the Web Messaging transport. */
  GENESYS_DEPLOYMENT_ID?: string;
  /** Another WebSocket base for Web Messaging (a gateway, the sandbox), e.g. ws://127.0.0.1:9000/v1. */
  GENESYS_WEBMESSAGING_URL?: string;
  GTX_LEDGER: string;
  GTX_LEASE_MS: number;
  GTX_RATE_LIMIT_PER_MINUTE: number;
  GTX_CONCURRENCY: number;
  GTX_REQUEST_TIMEOUT_MS: number;
  GTX_LOG_LEVEL: 'error' | 'warn' | 'info' | 'debug' | 'silent';
  ANALYTICS_WEBHOOK_URL?: string;
  ANALYTICS_WEBHOOK_SECRET?: string;
  /** base64 of 32 bytes: wraps the per-guest keys of personal data. */
  GTX_MASTER_KEY?: string;
  /** A file holding GTX_MASTER_KEY's value; default `<ledger>.key`, created on first use. */
  GTX_MASTER_KEY_FILE?: string;
  /**
   * `guest-ids`: the ledger stores keyed hashes (HMAC-SHA-256) of guest ids and conversation
   * refs instead of the values (docs/privacy.md); `off` (default): the values.
   */
  GTX_PSEUDONYMISE: 'off' | 'guest-ids';
  GTX_HTTP_HOST: string;
  GTX_HTTP_PORT: number;
  /** Comma-separated bearer keys of `gtx serve`; none means loopback only, without auth. */
  GTX_API_KEYS?: string;
  GTX_API_RATE_PER_MINUTE: number;
  GTX_MAX_BATCH: number;
  GTX_HTTP_BODY_LIMIT_BYTES: number;
  GTX_SHUTDOWN_TIMEOUT_MS: number;
  /** The content policy of every command that builds a transmitter (policy-file.ts). */
  GTX_POLICY_FILE?: string;
  /**
   * The Open Messaging integration's `outboundNotificationWebhookSignatureSecretToken`: with it,
   * `gtx serve` receives agent replies on GTX_OUTBOUND_WEBHOOK_PATH.
   */
  GENESYS_OUTBOUND_WEBHOOK_SECRET?: string;
  GTX_OUTBOUND_WEBHOOK_PATH: string;
  GTX_OUTBOUND_WEBHOOK_BODY_LIMIT_BYTES: number;
  /** How agent messages are acknowledged: a Delivered receipt each (default), or none. */
  GTX_AGENT_RECEIPTS: 'delivered' | 'off';
  /**
   * Where the supported media types come from: the policy (`local`, the default) or the Open
   * Messaging integration's Supported Content profile (`from-integration`).
   */
  GTX_MEDIA_POLICY: 'local' | 'from-integration';
  /** How often `from-integration` reads the profile again. */
  GTX_MEDIA_POLICY_REFRESH_MS: number;
  /** `gtx doctor`: the largest difference from Genesys' clock that passes. */
  GTX_CLOCK_SKEW_MAX_MS: number;
  /** Whether GET /v1/conversations/:ref/transcript may answer `?reveal=true` with message text. */
  GTX_TRANSCRIPT_REVEAL: 'deny' | 'allow';
}

/** Never echoed back in an error message. */
const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'GENESYS_CLIENT_SECRET',
  'ANALYTICS_WEBHOOK_SECRET',
  'GTX_MASTER_KEY',
  'GTX_MASTER_KEY_FILE',
  'GTX_API_KEYS',
  'GENESYS_OUTBOUND_WEBHOOK_SECRET',
  // A postgres:// URL may carry a password.
  'GTX_LEDGER',
]);

const HOST_PATTERN = '^(?:[A-Za-z0-9-]+\\.)+[A-Za-z0-9-]+$';

const schema: JSONSchemaType<EnvironmentSettings> = {
  type: 'object',
  properties: {
    GENESYS_ENVIRONMENT: {
      type: 'string',
      pattern: HOST_PATTERN,
      default: 'mypurecloud.com',
      description: 'a region host such as mypurecloud.com or mypurecloud.ie',
    },
    GENESYS_CLIENT_ID: { type: 'string', minLength: 1, maxLength: 256, nullable: true },
    GENESYS_CLIENT_SECRET: { type: 'string', minLength: 1, maxLength: 1024, nullable: true },
    GENESYS_INTEGRATION_ID: { type: 'string', minLength: 1, maxLength: 256, nullable: true },
    GENESYS_API_URL: { type: 'string', pattern: '^https?://[^\\s]+$', nullable: true },
    GTX_TRANSPORT: {
      type: 'string',
      enum: ['open-messaging', 'web-messaging'],
      default: 'open-messaging',
    },
    GENESYS_DEPLOYMENT_ID: { type: 'string', minLength: 1, maxLength: 256, nullable: true },
    GENESYS_WEBMESSAGING_URL: { type: 'string', pattern: '^wss?://[^\\s]+$', nullable: true },
    GTX_LEDGER: {
      type: 'string',
      minLength: 1,
      default: './gtx-ledger.db',
      description:
        'a SQLite file path, or postgres://user:password@host:5432/database?schema=gtx shared by several workers',
    },
    GTX_LEASE_MS: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 60_000 },
    GTX_RATE_LIMIT_PER_MINUTE: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 300 },
    GTX_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 1024, default: 16 },
    GTX_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600_000, default: 16_000 },
    GTX_LOG_LEVEL: {
      type: 'string',
      enum: ['error', 'warn', 'info', 'debug', 'silent'],
      default: 'warn',
    },
    ANALYTICS_WEBHOOK_URL: { type: 'string', pattern: '^https?://[^\\s]+$', nullable: true },
    ANALYTICS_WEBHOOK_SECRET: {
      type: 'string',
      pattern: '^whsec_[A-Za-z0-9+/=]+$',
      nullable: true,
    },
    GTX_MASTER_KEY: {
      type: 'string',
      pattern: '^[A-Za-z0-9+/]{43}=$',
      nullable: true,
      description: 'base64 of 32 random bytes (openssl rand -base64 32)',
    },
    GTX_MASTER_KEY_FILE: { type: 'string', minLength: 1, nullable: true },
    GTX_PSEUDONYMISE: {
      type: 'string',
      enum: ['off', 'guest-ids'],
      default: 'off',
      description: 'off, or guest-ids to store keyed hashes of guest ids and conversation refs',
    },
    GTX_HTTP_HOST: { type: 'string', minLength: 1, maxLength: 255, default: '127.0.0.1' },
    GTX_HTTP_PORT: { type: 'integer', minimum: 0, maximum: 65_535, default: 8080 },
    GTX_API_KEYS: {
      type: 'string',
      pattern: '^[!-+\\--~]{16,}(?:\\s*,\\s*[!-+\\--~]{16,})*$',
      nullable: true,
      description: 'comma-separated keys of at least 16 visible characters each',
    },
    GTX_API_RATE_PER_MINUTE: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 600 },
    GTX_MAX_BATCH: { type: 'integer', minimum: 1, maximum: 100_000, default: 500 },
    GTX_HTTP_BODY_LIMIT_BYTES: {
      type: 'integer',
      minimum: 1024,
      maximum: 1_073_741_824,
      default: 4_194_304,
    },
    GTX_SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 0, maximum: 600_000, default: 10_000 },
    GTX_POLICY_FILE: { type: 'string', minLength: 1, nullable: true },
    GENESYS_OUTBOUND_WEBHOOK_SECRET: {
      type: 'string',
      minLength: 16,
      maxLength: 1024,
      nullable: true,
      description: 'longer than 15 characters, as Genesys requires of the signature secret',
    },
    GTX_OUTBOUND_WEBHOOK_PATH: {
      type: 'string',
      pattern: '^/[A-Za-z0-9._~/-]*$',
      maxLength: 512,
      default: '/v1/genesys/outbound',
      description: 'a URL path such as /v1/genesys/outbound',
    },
    GTX_OUTBOUND_WEBHOOK_BODY_LIMIT_BYTES: {
      type: 'integer',
      minimum: 1024,
      maximum: 67_108_864,
      default: 262_144,
    },
    GTX_AGENT_RECEIPTS: { type: 'string', enum: ['delivered', 'off'], default: 'delivered' },
    GTX_MEDIA_POLICY: { type: 'string', enum: ['local', 'from-integration'], default: 'local' },
    GTX_MEDIA_POLICY_REFRESH_MS: {
      type: 'integer',
      minimum: 1000,
      maximum: 86_400_000,
      default: 300_000,
    },
    GTX_CLOCK_SKEW_MAX_MS: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 5000 },
    GTX_TRANSCRIPT_REVEAL: { type: 'string', enum: ['deny', 'allow'], default: 'deny' },
  },
  required: [],
  additionalProperties: true,
};

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const check = ajv.compile(schema);
const KNOWN = Object.keys(schema.properties as object);

/** One setting that is missing or wrong, and why, in words a person can act on. */
export interface SettingProblem {
  readonly setting: string;
  readonly reason: string;
}

/**
 * Settings that stop start-up. Every problem found is reported at once, one line each, so a
 * first run names everything that has to be fixed instead of one setting per run.
 */
export class ConfigurationError extends GtxError {
  readonly setting: string;
  readonly problems: readonly SettingProblem[];

  constructor(setting: string, reason: string, more: readonly SettingProblem[] = []) {
    const problems = [{ setting, reason }, ...more];
    super(
      'CONFIG_INVALID',
      problems.length === 1
        ? `${setting} ${reason}`
        : `${problems.length} settings need fixing:\n${problems.map((p) => `  ${p.setting} ${p.reason}`).join('\n')}`,
      { details: { setting, settings: problems.map((p) => p.setting) } },
    );
    this.setting = setting;
    this.problems = problems;
  }

  /** One error for all the problems; null when there are none. */
  static of(problems: readonly SettingProblem[]): ConfigurationError | null {
    const [first, ...more] = problems;
    return first === undefined ? null : new ConfigurationError(first.setting, first.reason, more);
  }
}

/** What a command needs beyond valid values (credentials, a deployment id), checked with them. */
export type SettingsRequirement = (settings: Readonly<EnvironmentSettings>) => SettingProblem[];

function explain(error: ErrorObject, values: Readonly<Record<string, unknown>>): SettingProblem {
  const setting = error.instancePath.replace(/^\//, '');
  const value = values[setting];
  const shown =
    SECRET_SETTINGS.has(setting) || value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  const description = (schema.properties as Record<string, { description?: string }>)[setting]
    ?.description;
  const allowed = (error.params as { allowedValues?: unknown }).allowedValues;
  const reason =
    error.keyword === 'enum' && Array.isArray(allowed)
      ? `must be one of ${allowed.map(String).join(', ')}`
      : error.keyword === 'pattern' && description !== undefined
        ? `must be ${description}`
        : (error.message ?? 'is invalid');
  return { setting, reason: `${reason}${shown}` };
}

/** The first problem of each setting, in the order of the schema. */
function schemaProblems(values: Readonly<Record<string, unknown>>): SettingProblem[] {
  if (check(values)) return [];
  const bySetting = new Map<string, SettingProblem>();
  for (const error of check.errors ?? []) {
    const problem = explain(error, values);
    if (!bySetting.has(problem.setting)) bySetting.set(problem.setting, problem);
  }
  if (bySetting.size === 0) return [{ setting: 'environment', reason: 'is invalid' }];
  return KNOWN.flatMap((name) => bySetting.get(name) ?? []);
}

/** A region host the SDK does not know; any host goes when GENESYS_API_URL points elsewhere. */
function regionProblems(values: Readonly<Record<string, unknown>>): SettingProblem[] {
  const host = values['GENESYS_ENVIRONMENT'];
  if (typeof host !== 'string' || values['GENESYS_API_URL'] !== undefined) return [];
  const reason = regionHostProblem(host);
  return reason === null ? [] : [{ setting: 'GENESYS_ENVIRONMENT', reason }];
}

/**
 * Reads our settings from `env`, with a `.env` file (if present) filling in what the
 * environment does not set. Every bad value, and whatever `requirement` finds missing, stops
 * start-up in one ConfigurationError that names each of them.
 */
export function loadEnvironmentSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
  dotenvPath: string | null = '.env',
  requirement?: SettingsRequirement,
): EnvironmentSettings {
  const fromFile = dotenvPath !== null && existsSync(dotenvPath) ? readDotenv(dotenvPath) : {};
  const values: Record<string, unknown> = {};
  for (const name of KNOWN) {
    const raw = env[name] ?? fromFile[name];
    if (raw !== undefined && raw.trim() !== '') values[name] = raw.trim();
  }
  const problems = schemaProblems(values);
  const invalid = new Set(problems.map((p) => p.setting));
  if (!invalid.has('GENESYS_ENVIRONMENT')) problems.push(...regionProblems(values));
  // Defaults are filled in even where a value was wrong, so a requirement sees every setting.
  const settings = values as unknown as EnvironmentSettings;
  for (const problem of requirement?.(settings) ?? []) {
    if (!invalid.has(problem.setting)) problems.push(problem);
  }
  const error = ConfigurationError.of(problems);
  if (error !== null) throw error;
  return settings;
}

function readDotenv(path: string): Record<string, string> {
  try {
    return dotenv.parse(readFileSync(path));
  } catch (error) {
    throw new ConfigurationError(path, `cannot be read: ${(error as Error).message}`);
  }
}
