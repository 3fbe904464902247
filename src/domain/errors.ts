const GTX_ERROR_BRAND = Symbol.for('genesys-transmitter.error');

/**
 * Every error we raise carries a stable `code`. The brand lets `isGtxError` work across
 * duplicate copies of the package, where `instanceof` would not.
 */
export class GtxError extends Error {
  readonly [GTX_ERROR_BRAND] = true;
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; details?: Readonly<Record<string, unknown>> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isGtxError(value: unknown): value is GtxError {
  return typeof value === 'object' && value !== null && GTX_ERROR_BRAND in value;
}

export function hasErrorCode(value: unknown, code: string): value is GtxError {
  return isGtxError(value) && value.code === code;
}

export class IllegalTransitionError extends GtxError {
  constructor(command: string, status: string) {
    super('ILLEGAL_TRANSITION', `cannot ${command} a transmission that is ${status}`, {
      details: { command, status },
    });
  }
}

/** One bad policy setting: which (`maxTextChars`, `blockedPatterns[2]`) and why. */
export interface PolicySettingProblem {
  readonly setting: string;
  readonly reason: string;
}

/** Every problem of a policy's settings at once, on one line; `details.setting` is the first. */
export class InvalidPolicyConfigError extends GtxError {
  readonly problems: readonly PolicySettingProblem[];

  constructor(problems: readonly [PolicySettingProblem, ...PolicySettingProblem[]]) {
    super(
      'INVALID_POLICY_CONFIG',
      problems.map(({ setting, reason }) => `${setting}: ${reason}`).join('; '),
      { details: { setting: problems[0].setting, problems } },
    );
    this.problems = problems;
  }
}

/** Whatever was thrown, as an Error to rethrow (a non-Error value becomes its message). */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Why a transmission cannot be re-driven; `details.why` carries it for callers to branch on. */
export type RedriveRefusal = 'rejected' | 'notDeadLettered' | 'contentErased';

const REDRIVE_REFUSALS: Readonly<Record<RedriveRefusal, string>> = {
  rejected: 'the policies rejected it: nothing was ever to be sent',
  notDeadLettered: 'only a dead-lettered transmission can be re-driven',
  contentErased: 'its content was erased (the guest was forgotten): there is nothing to send',
};

/** A redrive of a transmission that is not a dead letter that can be sent again. */
export class RedriveNotAllowedError extends GtxError {
  constructor(why: RedriveRefusal, status: string) {
    super(
      'REDRIVE_NOT_ALLOWED',
      `cannot re-drive a transmission that is ${status}: ${REDRIVE_REFUSALS[why]}`,
      { details: { why, status } },
    );
  }
}
