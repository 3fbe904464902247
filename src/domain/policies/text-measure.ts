/**
 * Measuring text the way Genesys limits it: in Unicode code points and in UTF-8 bytes.
 * `String.length` counts UTF-16 code units, which is neither, so we count ourselves.
 */

const HIGH_SURROGATE_MIN = 0xd800;
const HIGH_SURROGATE_MAX = 0xdbff;
const LOW_SURROGATE_MIN = 0xdc00;
const LOW_SURROGATE_MAX = 0xdfff;

function isHighSurrogate(unit: number): boolean {
  return unit >= HIGH_SURROGATE_MIN && unit <= HIGH_SURROGATE_MAX;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= LOW_SURROGATE_MIN && unit <= LOW_SURROGATE_MAX;
}

/** Number of code points; a lone surrogate counts as one, as `for…of` iterates it. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    count++;
  }
  return count;
}

/**
 * Bytes the text takes once encoded as UTF-8. A lone surrogate cannot be encoded; encoders
 * replace it with U+FFFD (3 bytes), so we count it as 3 to agree with what goes on the wire.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** C0 controls, DEL and C1 controls: never legitimate inside identifiers or file names. */
export function containsControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) return true;
  }
  return false;
}

/** True when the text has nothing but white space (or nothing at all). */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}
