import { describe, expect, it } from 'vitest';
import {
  codePointLength,
  normaliseForContentPolicy,
  utf8ByteLength,
} from '../../../src/domain/policies/index.js';

describe('codePointLength and utf8ByteLength', () => {
  it.each([
    ['empty', '', 0, 0],
    ['ASCII', 'hello', 5, 5],
    ['é precomposed', 'é', 1, 2],
    ['é decomposed (e + U+0301)', 'e\u0301', 2, 3],
    ['ñ with two combining marks', 'n\u0303\u0323', 3, 5],
    ['CJK', '中文', 2, 6],
    ['euro sign', '€', 1, 3],
    ['emoji', '😀', 1, 4],
    ['emoji with skin tone', '👍🏽', 2, 8],
    ['ZWJ family', '👨‍👩‍👧', 5, 18],
    ['flag', '🇫🇷', 2, 8],
    ['keycap', '1️⃣', 3, 7],
    ['U+007F', '\u007f', 1, 1],
    ['U+0080', '\u0080', 1, 2],
    ['U+07FF', '\u07ff', 1, 2],
    ['U+0800', '\u0800', 1, 3],
    ['U+FFFF', '\uffff', 1, 3],
    ['U+10000', '\u{10000}', 1, 4],
    ['U+10FFFF', '\u{10ffff}', 1, 4],
    ['a lone high surrogate (encoded as U+FFFD)', '\ud83d', 1, 3],
    ['a lone low surrogate', 'a\ude00b', 3, 5],
    ['surrogates in the wrong order', '\ude00\ud83d', 2, 6],
  ])('%s', (_name, text, codePoints, bytes) => {
    expect(codePointLength(text)).toBe(codePoints);
    expect(codePointLength(text)).toBe(Array.from(text).length);
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
  });
});

describe('normaliseForContentPolicy', () => {
  it.each([
    ['full-width letters', 'ｍａｌｗａｒｅ．ｅｘｅ', 'malware.exe'],
    ['full-width brackets', '＜script＞', '<script>'],
    ['ligature', 'ﬁle', 'file'],
    ['mathematical letters', '𝐛𝐥𝐨𝐜𝐤', 'block'],
    ['circled letters', 'ⓑⓛⓞⓒⓚ', 'block'],
    ['decomposed é composes', 'e\u0301', 'é'],
    ['a zero-width space between a letter and its mark', 'e\u200b\u0301', 'é'],
    ['zero-width space', 'a\u200bb', 'ab'],
    ['ZWNJ, ZWJ, LRM, RLM', 'a\u200c\u200d\u200e\u200fb', 'ab'],
    ['word joiner to invisible plus', 'a\u2060\u2061\u2062\u2063\u2064b', 'ab'],
    ['BOM', '\ufeffab', 'ab'],
    ['soft hyphen', 'a\u00adb', 'ab'],
    ['Mongolian vowel separator', 'a\u180eb', 'ab'],
    ['combining grapheme joiner', 'a\u034fb', 'ab'],
    ['bidi overrides and isolates', 'a\u202eb\u2066c\u2069', 'abc'],
    ['variation selectors', 'a\ufe0fb\u{e0100}', 'ab'],
    ['Hangul filler', 'a\u3164b', 'ab'],
    ['tag characters', 'a\u{e0041}b', 'ab'],
    ['NUL and other controls', 'a\u0000b\u001bc\u0085d', 'abcd'],
    ['keeps ordinary white space', 'a b\tc\nd', 'a b\tc\nd'],
    ['no-break space becomes a space', 'a\u00a0b', 'a b'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseForContentPolicy(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const text of ['ｍａｌ\u200bｗａｒｅ', 'e\u200b\u0301', '👨‍👩‍👧', 'ﬁ\u00ad']) {
      const once = normaliseForContentPolicy(text);
      expect(normaliseForContentPolicy(once)).toBe(once);
    }
  });
});
