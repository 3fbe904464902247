/**
 * Metadata travels with the message as string key/value pairs. Keys must be non-empty and
 * values strings; the whole, encoded as a JSON object, must fit the byte limit.
 */
import type { Violation } from '../violation.js';
import type { CompiledPolicy } from './compile-policy.js';
import { jsonPointer } from './json-pointer.js';
import { isRecord } from './runtime-types.js';
import { utf8ByteLength } from './text-measure.js';

export function validateMetadata(metadata: unknown, policy: CompiledPolicy): Violation[] {
  if (!isRecord(metadata)) {
    return [
      { code: 'METADATA_INVALID', field: '/metadata', message: 'metadata must be an object' },
    ];
  }
  const violations: Violation[] = [];
  const stringEntries: [string, string][] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (key === '') {
      violations.push({
        code: 'METADATA_INVALID',
        field: jsonPointer('metadata', key),
        message: 'metadata keys must not be empty',
      });
    }
    if (typeof value === 'string') stringEntries.push([key, value]);
    else {
      violations.push({
        code: 'METADATA_INVALID',
        field: jsonPointer('metadata', key),
        message: 'metadata values must be strings',
      });
    }
  }
  const bytes = encodedSize(stringEntries);
  const { maxMetadataBytes } = policy.settings;
  if (bytes > maxMetadataBytes) {
    violations.push({
      code: 'METADATA_TOO_LARGE',
      field: '/metadata',
      message: `metadata is ${bytes} bytes as JSON; the limit is ${maxMetadataBytes}`,
    });
  }
  return violations;
}

/** UTF-8 size of `{"key":"value",…}`; only strings are encoded, so this cannot throw. */
function encodedSize(entries: readonly (readonly [string, string])[]): number {
  const body = entries
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join(',');
  return utf8ByteLength(`{${body}}`);
}
