import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile, PolicyFileError } from '../../../../src/adapters/config/policy-file.js';
import { testDir } from '../../../support/test-dir.js';

/** A policy file in a directory of its own, removed when the test finishes. */
function file(content: string): string {
  const path = join(testDir('gtx-policy-file-'), 'policy.json');
  writeFileSync(path, content);
  return path;
}

function problemsOf(path: string): readonly string[] {
  try {
    loadPolicyFile(path);
  } catch (error) {
    if (error instanceof PolicyFileError) return error.problems;
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('loadPolicyFile', () => {
  it('returns exactly the settings of the file, every key at once', () => {
    const settings = {
      blockedPatterns: ['credit\\s*card'],
      supportedMediaTypes: ['image/*', 'application/pdf'],
      maxTextChars: 2000,
      maxTextBytes: 3000,
      maxAttachmentBytes: 1_000_000,
      maxAttachments: 3,
      maxMetadataBytes: 512,
    };
    expect(loadPolicyFile(file(JSON.stringify(settings)))).toEqual(settings);
    expect(loadPolicyFile(file('{}'))).toEqual({});
  });

  it('reads a file that starts with a byte order mark', () => {
    expect(loadPolicyFile(file('\ufeff{"maxAttachments": 2}'))).toEqual({ maxAttachments: 2 });
  });

  it('refuses the sandbox-only setting and keys such as __proto__', () => {
    expect(
      problemsOf(file('{"allowLoopbackAttachmentUrls": true, "__proto__": {"x": 1}}')),
    ).toEqual([
      expect.stringMatching(/^"allowLoopbackAttachmentUrls": is not a policy setting/u),
      expect.stringMatching(/^"__proto__": is not a policy setting/u),
    ]);
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('names a wrong type of every setting', () => {
    expect(
      problemsOf(
        file('{"blockedPatterns": "malware", "supportedMediaTypes": [3], "maxTextBytes": 1.5}'),
      ),
    ).toEqual([
      'blockedPatterns: must be a list of strings (got "malware")',
      'supportedMediaTypes[0]: must be a string (got 3)',
      'maxTextBytes: must be a whole number (got 1.5)',
    ]);
  });

  it('refuses a file over 1 MiB without reading it', () => {
    const path = file(`{"blockedPatterns": ["${'x'.repeat(1_048_576)}"]}`);
    expect(problemsOf(path)).toEqual([
      expect.stringMatching(/^is 1048\d{3} bytes; a policy file holds at most 1 MiB$/u),
    ]);
  });

  it('keeps the message on one line whatever the file holds', () => {
    const error = (() => {
      try {
        return loadPolicyFile(file('{"blockedPatterns": ["a\\n(", "\\u2028)"]}'));
      } catch (caught) {
        return caught as PolicyFileError;
      }
    })();
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as PolicyFileError).code).toBe('POLICY_FILE_INVALID');
    expect((error as PolicyFileError).message.split(/[\n\r\u2028\u2029]/u)).toHaveLength(1);
  });
});
