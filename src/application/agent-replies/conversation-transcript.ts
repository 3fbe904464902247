import { readTransmissionEvent } from '../ledger/transmission-projection.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.port.js';
import type { GuestKeyStore } from '../ports/guest-key-store.port.js';
import type { PersonalDataVault } from '../ports/personal-data-vault.port.js';
import { openRecordedEvent } from '../privacy/open-recorded-event.js';
import { isSealedContent } from '../privacy/sealed-content.js';
import { agentReceiptCommandId } from './agent-receipts.js';
import { readAgentMessageEvent } from './agent-message-reading.js';
import { conversationEvents } from './conversation-events.js';
import { ConversationNotFoundError } from './transcript-errors.js';

/** Who an entry comes from: the guest (what we transmitted) or Genesys (agent, bot, platform). */
export type TranscriptSide = 'guest' | 'agent';

export type TranscriptKind = 'message' | 'receipt' | 'typing' | 'event' | 'genesysReceipt';

/**
 * An entry's personal content. `sealed`: not opened (the default: its hash and size prove what
 * was recorded without reading it); `erased`: the guest was forgotten, it can never be read;
 * `revealed`: opened with the master key.
 */
export type TranscriptContent =
  | { readonly state: 'sealed'; readonly contentSha256: string; readonly sizeBytes: number }
  | { readonly state: 'erased'; readonly contentSha256: string }
  | {
      readonly state: 'revealed';
      readonly contentSha256: string;
      readonly text: string | null;
      readonly attachments: readonly TranscriptAttachment[];
    };

export interface TranscriptAttachment {
  readonly filename: string | null;
  readonly mime: string | null;
  readonly url: string | null;
}

/** A receipt about an entry: Genesys' for a guest message, ours for an agent message. */
export interface TranscriptReceipt {
  readonly by: 'genesys' | 'us';
  /** Genesys' status (Delivered, Read, Failed…); ours: the receipt's delivery state. */
  readonly status: string;
  readonly at: string;
}

export interface TranscriptEntry {
  /** The ledger position of the entry's first event: the transcript's order. */
  readonly position: number;
  /** When it was requested (guest side) or received from Genesys (agent side). */
  readonly at: string;
  readonly side: TranscriptSide;
  readonly kind: TranscriptKind;
  /** The command id (guest side) or the Genesys message id (agent side). */
  readonly id: string;
  readonly genesysMessageId: string | null;
  /**
   * Guest side: requested, sending, retrying, delivered, rejected, deadLettered, redriven.
   * Agent side: received (an unmatched message is never in a conversation's transcript).
   */
  readonly state: string;
  readonly attempts: number;
  readonly deliveredAt: string | null;
  /** Why it is in its state: violation codes, the dead letter's reason, typing, a status. */
  readonly detail: string | null;
  /** Human or Bot on the agent side, when Genesys says. */
  readonly origin: string | null;
  readonly receipts: readonly TranscriptReceipt[];
  readonly content: TranscriptContent | null;
}

/** The transcript document's version: bumped when a field changes meaning or goes away. */
export const TRANSCRIPT_VERSION = 1;

/** One documented shape, printed by `gtx transcript --format json` and answered by the API. */
export interface Transcript {
  readonly transcriptVersion: typeof TRANSCRIPT_VERSION;
  /** The reference as the caller named it. */
  readonly conversationRef: string;
  /** As the ledger stores it: the same, or its keyed hash on a pseudonymised ledger. */
  readonly storedConversationRef: string;
  readonly entries: readonly TranscriptEntry[];
}

/**
 * Erased content (its key destroyed) is told from sealed content by the key store, without the
 * master key (an auditor's reading); a reader holding only the vault (the service) opens the
 * content to tell, and shows its text only when revealing.
 */
export type TranscriptSources =
  | {
      readonly events: EventStore;
      readonly guestKeys: Pick<GuestKeyStore, 'findById'>;
      /** Only to reveal content: opens it with the master key. */
      readonly vault?: PersonalDataVault;
    }
  | { readonly events: EventStore; readonly vault: PersonalDataVault; readonly guestKeys?: never };

export interface TranscriptRequest {
  readonly conversationRef: string;
  /** The ledger's name for it (`GuestPseudonymiser.conversationRef`); default the same. */
  readonly storedConversationRef?: string;
  /** Opens the content with `vault`; without it content shows as hashes and sizes only. */
  readonly reveal?: boolean;
}

interface Draft {
  position: number;
  at: string;
  side: TranscriptSide;
  kind: TranscriptKind;
  id: string;
  genesysMessageId: string | null;
  state: string;
  attempts: number;
  deliveredAt: string | null;
  detail: string | null;
  origin: string | null;
  receipts: TranscriptReceipt[];
  content: TranscriptContent | null;
  /** The row holding the content, opened at the end when revealing. */
  contentRow: RecordedEvent | null;
}

/**
 * One conversation as a person reads it: the guest's messages, receipts and typing with their
 * delivery state, and what Genesys sent back (agent messages, typing, receipts), in ledger order.
 * Genesys' receipts are shown on the guest message they are about, and our receipt for an agent
 * message on that message; receipts with no such message in the conversation are entries of
 * their own. Content is opened only when `reveal` is asked.
 */
export async function conversationTranscript(
  sources: TranscriptSources,
  request: TranscriptRequest,
): Promise<Transcript> {
  const stored = request.storedConversationRef ?? request.conversationRef;
  const rows = await conversationEvents(sources.events, stored);
  if (rows.length === 0) throw new ConversationNotFoundError(request.conversationRef);
  const drafts = foldEntries(rows);
  const entries: TranscriptEntry[] = [];
  for (const draft of drafts) {
    const { contentRow, ...entry } = draft;
    const content =
      contentRow === null ? entry.content : await contentOf(contentRow, sources, request);
    entries.push({ ...entry, content });
  }
  return {
    transcriptVersion: TRANSCRIPT_VERSION,
    conversationRef: request.conversationRef,
    storedConversationRef: stored,
    entries,
  };
}

function foldEntries(rows: readonly RecordedEvent[]): Draft[] {
  const transmissions = new Map<string, Draft>();
  const agentMessages = new Map<string, Draft>();
  const byGenesysId = new Map<string, Draft>();
  const all: Draft[] = [];
  const genesysReceipts: RecordedEvent[] = [];
  for (const row of rows) {
    if (row.type.startsWith('Transmission')) {
      foldTransmission(row, transmissions, all, byGenesysId);
    } else if (row.type === 'GenesysReceiptReceived') {
      genesysReceipts.push(row);
    } else {
      const draft = agentDraft(row);
      all.push(draft);
      agentMessages.set(draft.id, draft);
    }
  }
  for (const row of genesysReceipts) {
    const event = readAgentMessageEvent(row);
    if (event.type !== 'GenesysReceiptReceived') continue;
    const about = byGenesysId.get(event.data.genesysMessageId);
    const receipt = {
      by: 'genesys' as const,
      status: event.data.status,
      at: event.data.receivedAt,
    };
    if (about === undefined) {
      all.push({ ...agentDraft(row), state: 'received', detail: event.data.status });
    } else {
      about.receipts.push(receipt);
    }
  }
  // Our receipt for an agent message is named by its id: shown on that message.
  const shown: Draft[] = [];
  for (const draft of all) {
    if (draft.side === 'guest' && draft.kind === 'receipt') {
      const message = [...agentMessages.values()].find(
        (agent) => agentReceiptCommandId(agent.id) === draft.id,
      );
      if (message !== undefined) {
        message.receipts.push({ by: 'us', status: draft.state, at: draft.deliveredAt ?? draft.at });
        continue;
      }
    }
    shown.push(draft);
  }
  return shown.sort((a, b) => a.position - b.position);
}

function foldTransmission(
  row: RecordedEvent,
  transmissions: Map<string, Draft>,
  all: Draft[],
  byGenesysId: Map<string, Draft>,
): void {
  const event = readTransmissionEvent(row);
  if (event.type === 'TransmissionRequested' || event.type === 'TransmissionRejected') {
    const rejected = event.type === 'TransmissionRejected';
    const draft: Draft = {
      position: row.position,
      at: rejected ? event.data.rejectedAt : event.data.requestedAt,
      side: 'guest',
      kind: event.data.kind,
      id: event.data.commandId,
      genesysMessageId: null,
      state: rejected ? 'rejected' : 'requested',
      attempts: 0,
      deliveredAt: null,
      detail: rejected ? event.data.violations.map((v) => v.code).join(', ') : null,
      origin: null,
      receipts: [],
      content: null,
      contentRow: row,
    };
    transmissions.set(row.streamId, draft);
    all.push(draft);
    return;
  }
  const draft = transmissions.get(row.streamId);
  if (draft === undefined) return;
  switch (event.type) {
    case 'TransmissionAttemptStarted':
      draft.state = 'sending';
      draft.attempts = Math.max(draft.attempts, event.data.attempt);
      break;
    case 'TransmissionAttemptFailed':
      draft.state = event.data.retryAt === null ? 'failed' : 'retrying';
      draft.detail = [event.data.failureKind, event.data.code].filter(Boolean).join(' ');
      break;
    case 'TransmissionDelivered':
      draft.state = 'delivered';
      draft.detail = null;
      draft.genesysMessageId = event.data.genesysMessageId;
      draft.deliveredAt = event.data.deliveredAt;
      byGenesysId.set(event.data.genesysMessageId, draft);
      break;
    case 'TransmissionDeadLettered':
      draft.state = 'deadLettered';
      draft.detail = event.data.reason;
      break;
    case 'TransmissionRedriven':
      draft.state = 'redriven';
      draft.detail = event.data.reason;
      break;
  }
}

function agentDraft(row: RecordedEvent): Draft {
  const event = readAgentMessageEvent(row);
  const base = {
    position: row.position,
    at: event.data.receivedAt,
    side: 'agent' as const,
    id: event.data.genesysMessageId,
    genesysMessageId: event.data.genesysMessageId,
    state: 'received',
    attempts: 0,
    deliveredAt: null,
    origin: event.data.originatingEntity,
    receipts: [],
    content: null,
    contentRow: null,
  };
  switch (event.type) {
    case 'AgentMessageReceived':
      return {
        ...base,
        kind: 'message',
        detail: event.data.attachmentCount > 0 ? `${event.data.attachmentCount} attachments` : null,
        contentRow: row,
      };
    case 'AgentEventReceived':
      return {
        ...base,
        kind: event.data.events.some((e) => e.eventType === 'Typing') ? 'typing' : 'event',
        detail: event.data.events.map((e) => e.eventType).join(', '),
      };
    case 'GenesysReceiptReceived':
      return { ...base, kind: 'genesysReceipt', detail: event.data.status };
  }
}

async function contentOf(
  row: RecordedEvent,
  sources: TranscriptSources,
  request: TranscriptRequest,
): Promise<TranscriptContent | null> {
  const data = row.data as { contentSha256?: unknown; content?: unknown };
  if (typeof data.contentSha256 !== 'string') return null;
  const contentSha256 = data.contentSha256;
  const content = data.content;
  if (request.reveal === true && sources.vault !== undefined) {
    const opened = await openRecordedEvent(row, sources.vault);
    return revealed(contentSha256, (opened.data as { content: unknown }).content);
  }
  if (isSealedContent(content)) {
    if (await isErased(row, content.sealed.keyId, sources)) {
      return { state: 'erased', contentSha256 };
    }
    return {
      state: 'sealed',
      contentSha256,
      sizeBytes: Buffer.from(content.sealed.ct, 'base64').length,
    };
  }
  if ((content as { kind?: unknown } | null)?.kind === 'erased') {
    return { state: 'erased', contentSha256 };
  }
  if (request.reveal === true) return revealed(contentSha256, content);
  return {
    state: 'sealed',
    contentSha256,
    sizeBytes: Buffer.byteLength(JSON.stringify(content ?? null), 'utf8'),
  };
}

async function isErased(
  row: RecordedEvent,
  keyId: string,
  sources: TranscriptSources,
): Promise<boolean> {
  if (sources.guestKeys !== undefined) return (await sources.guestKeys.findById(keyId)) === null;
  const opened = await openRecordedEvent(row, sources.vault);
  return (opened.data as { content: { kind?: unknown } }).content.kind === 'erased';
}

function revealed(contentSha256: string, content: unknown): TranscriptContent {
  const opened = (content ?? {}) as {
    kind?: unknown;
    text?: unknown;
    status?: unknown;
    attachments?: unknown;
  };
  if (opened.kind === 'erased') return { state: 'erased', contentSha256 };
  const text =
    typeof opened.text === 'string'
      ? opened.text
      : typeof opened.status === 'string'
        ? opened.status
        : null;
  const attachments = Array.isArray(opened.attachments)
    ? (opened.attachments as Partial<Record<string, unknown>>[]).map((a) => ({
        filename: typeof a['filename'] === 'string' ? a['filename'] : null,
        mime: typeof a['mime'] === 'string' ? a['mime'] : null,
        url: typeof a['url'] === 'string' ? a['url'] : null,
      }))
    : [];
  return { state: 'revealed', contentSha256, text, attachments };
}
