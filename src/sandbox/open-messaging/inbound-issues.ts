/**
 * The `details` of a 400 from ajv's errors and the endpoint checks: one issue per field, named
 * the way Genesys names it (`channel.from.id`, `content[0].attachment.mime`), in the order of
 * the model's fields, body-wide rules last.
 */
import type { FieldIssue } from './genesys-errors.js';
import { endpointChecks, isJsonObject } from './inbound-checks.js';
import type { LocatedIssue } from './inbound-checks.js';
import { ErrorCodes } from './inbound-models.js';
import { INBOUND_SCHEMAS } from './inbound-schemas.js';
import type { MessagingEndpoint } from './types.js';

/** What the sandbox reads of an ajv error (fastify hands them over as `validation`). */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * The error code of each keyword the schemas use. `pattern` only ever says "not blank" and
 * `minItems` "not empty"; a negative typing duration is no duration at all, as before.
 */
const CODE_BY_KEYWORD: Readonly<Record<string, string>> = {
  required: ErrorCodes.required,
  type: ErrorCodes.invalidType,
  pattern: ErrorCodes.empty,
  minItems: ErrorCodes.empty,
  enum: ErrorCodes.invalidValue,
  format: ErrorCodes.invalidDateTime,
  minimum: ErrorCodes.invalidType,
};

/**
 * One field can break several keywords at once (a blank enum fails `pattern` and `enum`); the
 * most basic problem is the one reported, as a hand check that stops at the first would.
 */
const PRIORITY: readonly string[] = [ErrorCodes.required, ErrorCodes.invalidType, ErrorCodes.empty];

function priorityOf(errorCode: string): number {
  const index = PRIORITY.indexOf(errorCode);
  return index === -1 ? PRIORITY.length : index;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** JSON pointer segments as names and indexes, telling indexes apart by the data they point into. */
function pathOf(instancePath: string, body: unknown): (string | number)[] {
  if (instancePath === '') return [];
  const path: (string | number)[] = [];
  let current: unknown = body;
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = unescapePointer(raw);
    if (Array.isArray(current)) {
      const index = Number(segment);
      path.push(index);
      current = current[index] as unknown;
    } else {
      path.push(segment);
      current = isJsonObject(current) ? current[segment] : undefined;
    }
  }
  return path;
}

function schemaIssue(error: SchemaError, body: unknown): LocatedIssue {
  const path = pathOf(error.instancePath, body);
  const missing = error.params['missingProperty'];
  if (error.keyword === 'required' && typeof missing === 'string') path.push(missing);
  // The schemas use no other keyword; should one be added, its field is still named.
  return { path, errorCode: CODE_BY_KEYWORD[error.keyword] ?? ErrorCodes.invalidType };
}

export function fieldName(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** Where a field comes in the model: declared properties in order, then map keys as sent. */
function rankOf(path: readonly (string | number)[], schema: unknown, body: unknown): number[] {
  const ranks: number[] = [];
  let node = asRecord(schema);
  let data: unknown = body;
  for (const segment of path) {
    if (typeof segment === 'number') {
      ranks.push(segment);
      node = asRecord(node?.['items']);
      data = Array.isArray(data) ? (data[segment] as unknown) : undefined;
      continue;
    }
    const properties = asRecord(node?.['properties']) ?? {};
    const declared = Object.keys(properties).indexOf(segment);
    const sent = isJsonObject(data) ? Object.keys(data).indexOf(segment) : 0;
    ranks.push(declared === -1 ? Object.keys(properties).length + sent : declared);
    node = asRecord(declared === -1 ? node?.['additionalProperties'] : properties[segment]);
    data = isJsonObject(data) ? data[segment] : undefined;
  }
  return ranks;
}

/** Lexicographic; a field comes before the fields inside it. */
function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

interface RankedIssue {
  readonly issue: FieldIssue;
  readonly rank: readonly number[];
  readonly last: boolean;
}

/** Every problem of an inbound body, or none; `schemaErrors` are ajv's, possibly none. */
export function inboundIssues(
  endpoint: MessagingEndpoint,
  body: unknown,
  schemaErrors: readonly SchemaError[],
): FieldIssue[] {
  const located = [
    ...schemaErrors.map((error) => schemaIssue(error, body)),
    ...endpointChecks(endpoint, body),
  ];
  const byField = new Map<string, RankedIssue>();
  for (const { path, errorCode, last = false } of located) {
    const name = fieldName(path);
    const kept = byField.get(name);
    if (kept !== undefined && priorityOf(kept.issue.errorCode) <= priorityOf(errorCode)) continue;
    const rank = rankOf(path, INBOUND_SCHEMAS[endpoint], body);
    byField.set(name, { issue: { errorCode, fieldName: name }, rank, last });
  }
  return [...byField.values()]
    .sort((a, b) => Number(a.last) - Number(b.last) || compareRanks(a.rank, b.rank))
    .map((ranked) => ranked.issue);
}
