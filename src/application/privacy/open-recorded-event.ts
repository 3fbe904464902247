import type { RecordedEvent } from '../ports/event-store.port.js';
import type {
  PersonalDataVault,
  SealableContent,
  SealContext,
  SealedContent,
} from '../ports/personal-data-vault.port.js';
import { contentSha256 } from '../transmission/content-hash.js';
import { SealedContentInvalidError } from './privacy-errors.js';
import { agentContentContext, isSealedContent } from './sealed-content.js';

const REQUEST_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'TransmissionRequested',
  'TransmissionRejected',
]);

/** Every event type that may carry sealed personal content. */
export const CONTENT_EVENT_TYPES: readonly string[] = [
  ...REQUEST_CONTENT_TYPES,
  'AgentMessageReceived',
];

interface ContentData {
  readonly guestId: string;
  readonly contentSha256: string;
  readonly content: SealedContent;
}

/** What the event's content is bound to: the request's command, or the agent message. */
function contextOf(
  type: string,
  data: Partial<Readonly<Record<string, unknown>>>,
  guestId: string,
): SealContext | null {
  if (REQUEST_CONTENT_TYPES.has(type)) {
    return typeof data['commandId'] === 'string' ? { guestId, commandId: data['commandId'] } : null;
  }
  if (type === 'AgentMessageReceived') {
    const id = data['genesysMessageId'];
    return typeof id === 'string' ? agentContentContext(guestId, id) : null;
  }
  return null;
}

/** The sealed content of an event and what it is bound to, if it has one. */
export function sealedContentOf(
  recorded: Pick<RecordedEvent, 'type' | 'data'>,
): (ContentData & { readonly context: SealContext }) | null {
  const data = recorded.data as Partial<Readonly<Record<string, unknown>>> | null;
  if (typeof data !== 'object' || data === null) return null;
  const { guestId, content, contentSha256: hash } = data;
  if (typeof guestId !== 'string') return null;
  if (typeof hash !== 'string' || !isSealedContent(content)) return null;
  const context = contextOf(recorded.type, data, guestId);
  if (context === null) return null;
  return { guestId, contentSha256: hash, content, context };
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

function checkHash(sealed: ContentData, content: SealableContent): void {
  if (contentSha256(content) === sealed.contentSha256) return;
  throw new SealedContentInvalidError(
    sealed.content.sealed.keyId,
    'the opened content does not match the event contentSha256',
  );
}
