import { NotCanonicalJsonError } from './ledger-errors.js';

/*
 * Canonical JSON in the style of RFC 8785 (JCS): object keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings serialised as ECMAScript's JSON.stringify does. The hash chain
 * is computed over this text, so anything that would not survive a JSON round trip unchanged
 * is refused instead of silently altered.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: unknown): string {
  return encodeValue(value, '', new Set());
}

function encodeValue(value: unknown, path: string, ancestors: Set<object>): string {
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
      throw new NotCanonicalJsonError(path, `a ${typeof value} is not a JSON value`);
  }
}

function encodeNumber(value: number, path: string): string {
  if (!Number.isFinite(value))
    throw new NotCanonicalJsonError(path, `${value} is not a JSON number`);
  // ECMAScript's Number-to-string is exactly the JCS number form; -0 becomes 0.
  return JSON.stringify(value);
}

function encodeString(value: string, path: string): string {
  // I-JSON forbids lone surrogates; SQLite would also turn them into U+FFFD in text columns.
  if (LONE_SURROGATE.test(value))
    throw new NotCanonicalJsonError(path, 'string has a lone surrogate');
  return JSON.stringify(value);
}

function encodeContainer(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new NotCanonicalJsonError(path, 'value is cyclic');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return encodeArray(value, path, ancestors);
    if (!isPlainObject(value)) {
      throw new NotCanonicalJsonError(path, 'only plain objects and arrays are JSON containers');
    }
    return encodeObject(value, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function encodeArray(value: readonly unknown[], path: string, ancestors: Set<object>): string {
  const items: string[] = [];
  for (let index = 0; index < value.length; index += 1) {
    const item: unknown = value[index];
    // JSON.stringify would write null here: a different value than the one hashed.
    if (item === undefined)
      throw new NotCanonicalJsonError(`${path}/${index}`, 'undefined in an array');
    items.push(encodeValue(item, `${path}/${index}`, ancestors));
  }
  return `[${items.join(',')}]`;
}

function encodeObject(
  value: Readonly<Record<string, unknown>>,
  path: string,
  ancestors: Set<object>,
): string {
  const members: string[] = [];
  // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    // An absent optional property: JSON has no undefined, and a round trip drops the key.
    if (member === undefined) continue;
    const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    members.push(`${encodeString(key, childPath)}:${encodeValue(member, childPath, ancestors)}`);
  }
  return `{${members.join(',')}}`;
}

function isPlainObject(value: object): value is Readonly<Record<string, unknown>> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
