import { NotCanonicalJsonError } from './ledger-errors.js';

/*
 * Canonical JSON in the style of RFC 8785 (JCS): object keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings serialised as ECMAScript's JSON.stringify does. The hash chain
 * is computed over this text, so anything that would not survive a JSON round trip unchanged
 * is refused instead of silently altered.
 *
 * This runs for every event appended, hashed, verified and sealed, so it is written for speed:
 * the JSON pointer of a value is only spelt out when a value is refused (a path is a chain of
 * segments until then), and strings are checked with isWellFormed where the runtime has it.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A JSON pointer, built only when an error names it. */
interface Path {
  readonly parent: Path | null;
  readonly segment: string | number;
}

const ROOT: Path | null = null;

function pointer(path: Path | null): string {
  if (path === null) return '';
  const segment =
    typeof path.segment === 'number'
      ? String(path.segment)
      : path.segment.replaceAll('~', '~0').replaceAll('/', '~1');
  return `${pointer(path.parent)}/${segment}`;
}

function refuse(path: Path | null, reason: string): NotCanonicalJsonError {
  return new NotCanonicalJsonError(pointer(path), reason);
}

const hasIsWellFormed =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';

export function isWellFormed(value: string): boolean {
  return hasIsWellFormed
    ? (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    : !LONE_SURROGATE.test(value);
}

export function canonicalJson(value: unknown): string {
  return encodeValue(value, ROOT, new Set());
}

function encodeValue(value: unknown, path: Path | null, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return encodeNumber(value, path);
    case 'string':
      return encodeString(value, path);
    case 'object':
      return encodeContainer(value, path, ancestors);
    default:
      throw refuse(path, `a ${typeof value} is not a JSON value`);
  }
}

function encodeNumber(value: number, path: Path | null): string {
  if (!Number.isFinite(value)) throw refuse(path, `${value} is not a JSON number`);
  // ECMAScript's Number-to-string is exactly the JCS number form; -0 becomes 0.
  return JSON.stringify(value);
}

function encodeString(value: string, path: Path | null): string {
  // I-JSON forbids lone surrogates; SQLite would also turn them into U+FFFD in text columns.
  if (!isWellFormed(value)) throw refuse(path, 'string has a lone surrogate');
  return JSON.stringify(value);
}

function encodeContainer(value: object, path: Path | null, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw refuse(path, 'value is cyclic');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return encodeArray(value, path, ancestors);
    if (!isPlainObject(value)) {
      throw refuse(path, 'only plain objects and arrays are JSON containers');
    }
    return encodeObject(value, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function encodeArray(value: readonly unknown[], path: Path | null, ancestors: Set<object>): string {
  let text = '[';
  for (let index = 0; index < value.length; index += 1) {
    const item: unknown = value[index];
    // JSON.stringify would write null here: a different value than the one hashed.
    if (item === undefined) throw refuse({ parent: path, segment: index }, 'undefined in an array');
    if (index > 0) text += ',';
    text += encodeValue(item, { parent: path, segment: index }, ancestors);
  }
  return `${text}]`;
}

function encodeObject(
  value: Readonly<Record<string, unknown>>,
  path: Path | null,
  ancestors: Set<object>,
): string {
  let text = '{';
  let first = true;
  // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    // An absent optional property: JSON has no undefined, and a round trip drops the key.
    if (member === undefined) continue;
    const childPath: Path = { parent: path, segment: key };
    if (!first) text += ',';
    first = false;
    text += `${encodeString(key, childPath)}:${encodeValue(member, childPath, ancestors)}`;
  }
  return `${text}}`;
}

function isPlainObject(value: object): value is Readonly<Record<string, unknown>> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
