/**
 * A sandbox setting that cannot work, refused before the sandbox listens (or when it is set at
 * runtime). `setting` names the option, so the CLI can turn it into a usage error on its flag.
 */
export class SandboxSettingError extends Error {
  readonly code = 'SANDBOX_SETTING_INVALID';
  override readonly name = 'SandboxSettingError';

  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

/** True for a SandboxSettingError, also one from another copy of the package. */
export function isSandboxSettingError(value: unknown): value is SandboxSettingError {
  return (
    value instanceof Error &&
    (value as { code?: unknown }).code === 'SANDBOX_SETTING_INVALID' &&
    typeof (value as { setting?: unknown }).setting === 'string'
  );
}
