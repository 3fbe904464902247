/**
 * Commands can arrive as untrusted JSON, so policies read fields as `unknown` and check
 * their runtime type before use instead of trusting the static type.
 */

export type UnknownRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is UnknownRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a property of a value that is statically typed but may be anything at run time. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}
