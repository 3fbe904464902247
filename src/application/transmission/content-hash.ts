import { createHash } from 'node:crypto';
import type { TransmissionContent } from '../../domain/index.js';
import { canonicalJson } from '../ledger/canonical-json.js';

/** Identifies a message in logs and analytics without its text. */
export function contentSha256(content: TransmissionContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
