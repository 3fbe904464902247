import { createHash } from 'node:crypto';
import type {
  SealableContent,
  SealContext,
  SealedContent,
} from '../ports/personal-data-vault.port.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(value: unknown, minLength = 1): value is string {
  return typeof value === 'string' && value.length >= minLength && BASE64.test(value);
}

/** True for the stored envelope `{sealed: {v: 1, alg: 'A256GCM', keyId, iv, tag, ct}}`. */
export function isSealedContent(value: unknown): value is SealedContent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const outer = value as Readonly<Record<string, unknown>>;
  if (Object.keys(outer).length !== 1) return false;
  const sealed = outer['sealed'];
  if (typeof sealed !== 'object' || sealed === null || Array.isArray(sealed)) return false;
  const s = sealed as Readonly<Record<string, unknown>>;
  return (
    s['v'] === 1 &&
    s['alg'] === 'A256GCM' &&
    typeof s['keyId'] === 'string' &&
    s['keyId'].length > 0 &&
    isBase64(s['iv'], 16) &&
    isBase64(s['tag'], 24) &&
    isBase64(s['ct'])
  );
}

/**
 * How the ledger and the key store name a guest without storing the id: SHA-256 of a
 * domain-separated id. Pseudonymous, not anonymous: anyone holding the id can recompute it,
 * which is what lets `gtx privacy status --guest ID` find the erasure records.
 */
export function guestIdHash(guestId: string): string {
  return createHash('sha256')
    .update('gtx-guest\u0000', 'utf8')
    .update(guestId, 'utf8')
    .digest('hex');
}

/** The stream that records erasures of one guest's data. */
export function guestStreamId(guestId: string): string {
  return `guest-${guestIdHash(guestId)}`;
}

/**
 * What an agent message's sealed content is bound to: the guest it was addressed to and the
 * Genesys message id, so a blob copied into another message's event does not open.
 */
export function agentContentContext(guestId: string, genesysMessageId: string): SealContext {
  return { guestId, commandId: `agent-message:${genesysMessageId}` };
}

/**
 * The guest whose data key seals `content`: the real id, carried inside the sealed content so
 * that on a pseudonymised ledger (where events hold a keyed hash) the key can still be found,
 * and erased with it.
 */
export function sealedContentOwner(content: SealableContent): string {
  return content.kind === 'agentMessage' ? content.guestId : content.guest.id;
}
