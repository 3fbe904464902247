import { createHash, hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickSha256Hex, sha256Hex } from '../../../../src/application/ledger/sha256-hex.js';

function reference(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('sha256Hex', () => {
  const variants = {
    'one-shot crypto.hash': pickSha256Hex(hash),
    'Hash object (Node before 20.12)': pickSha256Hex(undefined),
    'the one in use': sha256Hex,
  };

  for (const [name, digest] of Object.entries(variants)) {
    it(`is SHA-256 of the UTF-8 bytes, lone surrogates included: ${name}`, () => {
      expect(digest('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (text) => {
          expect(digest(text)).toBe(reference(text));
        }),
      );
    });
  }
});
