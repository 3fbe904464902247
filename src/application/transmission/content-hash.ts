import { createHash } from 'node:crypto';
import type { SealableContent } from '../ports/personal-data-vault.port.js';
import { canonicalJson } from '../ledger/canonical-json.js';

/** Identifies a message in logs and analytics without its text. */
export function contentSha256(content: SealableContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
