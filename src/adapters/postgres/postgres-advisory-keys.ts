import { createHash } from 'node:crypto';

/**
 * The 64-bit key of an advisory lock, as a decimal string for a `$1::bigint` parameter. Derived
 * from what the lock is for and the schema, so ledgers in other schemas of the same database
 * (and other programs' advisory locks) do not contend with ours.
 */
export function advisoryLockKey(
  purpose: 'migrations' | 'leader',
  schema: string,
  name = '',
): string {
  const digest = createHash('sha256')
    .update(`genesys-transmitter\u0000${purpose}\u0000${schema}\u0000${name}`, 'utf8')
    .digest();
  return digest.readBigInt64BE(0).toString();
}
