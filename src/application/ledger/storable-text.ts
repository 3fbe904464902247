/**
 * Text the ledger keeps in plain text columns (stream ids, event types, and the command ids,
 * guest ids and conversation refs they are made of) rather than inside JSON. PostgreSQL refuses
 * a NUL in text, and both engines store an unpaired surrogate as U+FFFD, so two different ids
 * would name one stream. Such text is refused up front, the same on every engine.
 */
export const UNSTORABLE_TEXT_REASON =
  'must not contain a NUL character or an unpaired surrogate (neither is stored as given)';

/** In a `u` pattern a surrogate pair is one code point: only an unpaired one is in Cs. */
// eslint-disable-next-line no-control-regex -- NUL is one of the two things it exists to find
const UNSTORABLE_CHARACTER = /[\u0000\p{Cs}]/u;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE_CHARACTER.test(text);
}
