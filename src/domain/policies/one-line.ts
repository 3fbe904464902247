/**
 * Text quoted inside an error message (a pattern, RE2's reason, a JSON parser's excerpt) with
 * every character that could break the line escaped: an error stays one line in a terminal and
 * in a log. JSON.stringify alone leaves U+2028 and U+2029 as they are.
 */
const LINE_BREAKING = /[\p{Cc}\u2028\u2029]/gu;

export function oneLine(text: string): string {
  return text.replace(
    LINE_BREAKING,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
