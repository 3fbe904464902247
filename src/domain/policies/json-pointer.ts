/** Builds an RFC 6901 JSON pointer from path segments, escaping `~` and `/` in keys. */
export function jsonPointer(...segments: readonly (string | number)[]): string {
  return segments
    .map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1'))
    .join('');
}
