/**
 * Whether a request's Content-Type names JSON, as Genesys' JSON endpoints require: the media
 * type `application/json` in any letter case, with or without parameters (`; charset=UTF-8`).
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const separator = header.indexOf(';');
  const mediaType = (separator === -1 ? header : header.slice(0, separator)).trim();
  return mediaType.toLowerCase() === 'application/json';
}
