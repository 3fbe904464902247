import { createHash, hash as oneShotHash } from 'node:crypto';

/** Hex SHA-256 of a string's UTF-8 bytes. */
export type Sha256Hex = (text: string) => string;

/**
 * The hex SHA-256 of a short text, the one-shot `crypto.hash` where the runtime has it (Node
 * 20.12 and later): for the few hundred bytes of a ledger row it costs about half of creating
 * a Hash object, and the chain hashes every row. Older Node 20 releases get the Hash object.
 */
export function pickSha256Hex(oneShot: typeof oneShotHash | undefined): Sha256Hex {
  if (typeof oneShot === 'function') return (text) => oneShot('sha256', text, 'hex');
  return (text) => createHash('sha256').update(text, 'utf8').digest('hex');
}

// `hash` is undefined before Node 20.12, whatever the typings say: hence the check in the picker.
export const sha256Hex: Sha256Hex = pickSha256Hex(oneShotHash);
