import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  mediaPatternCovers,
  uncoveredMediaPatterns,
  withSupportedMediaTypes,
} from '../../../src/domain/policies/index.js';

describe('mediaPatternCovers', () => {
  it.each([
    ['*/*', 'image/png', true],
    ['*/*', '*/*', true],
    ['image/*', 'image/png', true],
    ['image/*', 'IMAGE/*', true],
    ['image/*', '*/*', false],
    ['image/png', 'image/*', false],
    ['image/png', 'image/png', true],
    ['image/png', 'image/jpeg', false],
    ['video/*', 'image/png', false],
    ['not a type', 'image/png', false],
  ])('%s covers %s: %s', (wide, narrow, covers) => {
    expect(mediaPatternCovers(wide, narrow)).toBe(covers);
  });
});

describe('uncoveredMediaPatterns', () => {
  it('names what one list allows and the other does not, in order', () => {
    expect(uncoveredMediaPatterns(['*/*'], ['image/*'])).toEqual(['*/*']);
    expect(uncoveredMediaPatterns(['image/png', 'video/mp4'], ['image/*'])).toEqual(['video/mp4']);
    expect(uncoveredMediaPatterns(['image/*'], ['*/*'])).toEqual([]);
  });
});

describe('withSupportedMediaTypes', () => {
  it('replaces only the media types and checks them as compilePolicy does', () => {
    const base = compilePolicy({ maxAttachments: 3, blockedPatterns: ['secret'] });
    const narrowed = withSupportedMediaTypes(base, ['image/*']);
    expect(narrowed.settings.supportedMediaTypes).toEqual(['image/*']);
    expect(narrowed.settings.maxAttachments).toBe(3);
    expect(narrowed.blockedPatterns).toBe(base.blockedPatterns);
    expect(() => withSupportedMediaTypes(base, ['image/*', 'images'])).toThrow(
      /supportedMediaTypes\[1\]: must be a media type/,
    );
  });
});
