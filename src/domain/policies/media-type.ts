/**
 * Media types (RFC 6838) and the patterns users list as supported: an exact `type/subtype`,
 * a `type/*` wildcard, or `*\/*`. Comparison ignores case and any `; parameters` on the
 * attachment's type, so `Image/PNG; q=1` is a `image/png`.
 */

// restricted-name = restricted-name-first *126restricted-name-chars
const RESTRICTED_NAME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/u;

export interface MediaType {
  readonly type: string;
  readonly subtype: string;
}

/** Parses a concrete media type, dropping parameters; undefined when malformed. */
export function parseMediaType(mime: string): MediaType | undefined {
  const essence = (mime.split(';')[0] ?? '').trim().toLowerCase();
  const [type, subtype, ...rest] = essence.split('/');
  if (type === undefined || subtype === undefined || rest.length > 0) return undefined;
  if (!RESTRICTED_NAME.test(type) || !RESTRICTED_NAME.test(subtype)) return undefined;
  return { type, subtype };
}

/** Parses a supported-type pattern; wildcards allowed, parameters not. */
function parseMediaTypePattern(pattern: string): MediaType | undefined {
  const lowered = pattern.trim().toLowerCase();
  if (lowered === '*/*') return { type: '*', subtype: '*' };
  const [type, subtype, ...rest] = lowered.split('/');
  if (type === undefined || subtype === undefined || rest.length > 0) return undefined;
  if (!RESTRICTED_NAME.test(type)) return undefined;
  if (subtype !== '*' && !RESTRICTED_NAME.test(subtype)) return undefined;
  return { type, subtype };
}

export function isValidMediaTypePattern(pattern: string): boolean {
  return parseMediaTypePattern(pattern) !== undefined;
}

export function mediaTypeMatches(mime: string, pattern: string): boolean {
  const actual = parseMediaType(mime);
  const wanted = parseMediaTypePattern(pattern);
  if (actual === undefined || wanted === undefined) return false;
  if (wanted.type === '*') return true;
  return (
    wanted.type === actual.type && (wanted.subtype === '*' || wanted.subtype === actual.subtype)
  );
}

/**
 * Whether every media type `narrow` matches is matched by `wide` too: `*\/*` covers everything,
 * `image/*` covers `image/png` and `image/*`, an exact type covers only itself. False when either
 * pattern is malformed.
 */
export function mediaPatternCovers(wide: string, narrow: string): boolean {
  const outer = parseMediaTypePattern(wide);
  const inner = parseMediaTypePattern(narrow);
  if (outer === undefined || inner === undefined) return false;
  if (outer.type === '*') return true;
  if (inner.type !== outer.type) return false;
  return outer.subtype === '*' || (inner.subtype !== '*' && inner.subtype === outer.subtype);
}

/**
 * The patterns of `patterns` that `allowed` does not wholly cover: types one list lets through
 * and the other refuses (some of them, for a wildcard), in the order given.
 */
export function uncoveredMediaPatterns(
  patterns: readonly string[],
  allowed: readonly string[],
): string[] {
  return patterns.filter((pattern) => !allowed.some((wide) => mediaPatternCovers(wide, pattern)));
}
