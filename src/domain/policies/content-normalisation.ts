/**
 * Folding text into the form the content policy matches against, so that look-alike
 * spellings cannot slip a blocked word past it: full-width and compatibility forms
 * (`ｍａｌｗａｒｅ`, `＜script＞`) fold under NFKC, and characters that render as nothing
 * (zero-width spaces, joiners, soft hyphens, variation selectors…) are dropped.
 *
 * The result is used for matching only and is never sent anywhere.
 */

// Every format character (general category Cf: U+00AD soft hyphen, U+180E, U+200B–U+200F,
// U+202A–U+202E, U+2060–U+2064, U+2066–U+206F, U+FEFF, tag characters…), plus invisible
// characters of other categories: the combining grapheme joiner, the Hangul fillers,
// variation selectors, and control characters other than the usual white space.
const INVISIBLE_CHARACTERS =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- on purpose: each is a character to remove
  /[\p{Cf}\u034f\u115f\u1160\u3164\uffa0\ufe00-\ufe0f\u{e0100}-\u{e01ef}\u0000-\u0008\u000e-\u001f\u007f-\u009f]/gu;

export function normaliseForContentPolicy(text: string): string {
  // NFKC again after the removal: a dropped character may have separated a base letter from
  // its combining mark, which now compose.
  return text.normalize('NFKC').replace(INVISIBLE_CHARACTERS, '').normalize('NFKC');
}
