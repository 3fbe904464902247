import type { TransmissionContent } from '../../domain/index.js';
import type { RecordedEvent } from '../ports/event-store.port.js';
import type {
  PersonalDataVault,
  SealContext,
  SealedContent,
} from '../ports/personal-data-vault.port.js';
import { contentSha256 } from '../transmission/content-hash.js';
import { SealedContentInvalidError } from './privacy-errors.js';
import { isSealedContent } from './sealed-content.js';

const CONTENT_EVENT_TYPES: ReadonlySet<string> = new Set([
  'TransmissionRequested',
  'TransmissionRejected',
]);

interface ContentData {
  readonly commandId: string;
  readonly guestId: string;
  readonly contentSha256: string;
  readonly content: SealedContent;
}

/** The sealed content of a Requested/Rejected event and what it is bound to, if it has one. */
export function sealedContentOf(
  recorded: Pick<RecordedEvent, 'type' | 'data'>,
): (ContentData & { readonly context: SealContext }) | null {
  if (!CONTENT_EVENT_TYPES.has(recorded.type)) return null;
  const data = recorded.data as Partial<Readonly<Record<string, unknown>>> | null;
  if (typeof data !== 'object' || data === null) return null;
  const { commandId, guestId, content, contentSha256: hash } = data;
  if (typeof commandId !== 'string' || typeof guestId !== 'string') return null;
  if (typeof hash !== 'string' || !isSealedContent(content)) return null;
  return { commandId, guestId, contentSha256: hash, content, context: { guestId, commandId } };
}

/**
 * The recorded event with its sealed content opened: the plaintext, or `{kind: 'erased'}` when
 * the guest's key was destroyed. Other events, and plain content, come back as they are. The
 * plaintext must hash to the event's `contentSha256`.
 */
export async function openRecordedEvent(
  recorded: RecordedEvent,
  vault: PersonalDataVault,
): Promise<RecordedEvent> {
  const sealed = sealedContentOf(recorded);
  if (sealed === null) return recorded;
  const content = await vault.open(sealed.context, sealed.content);
  if (content.kind !== 'erased') checkHash(sealed, content);
  return { ...recorded, data: { ...(recorded.data as object), content } };
}

function checkHash(sealed: ContentData, content: TransmissionContent): void {
  if (contentSha256(content) === sealed.contentSha256) return;
  throw new SealedContentInvalidError(
    sealed.content.sealed.keyId,
    'the opened content does not match the event contentSha256',
  );
}
