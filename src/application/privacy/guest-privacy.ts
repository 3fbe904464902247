import { epochMsToIso } from '../../domain/index.js';
import { readAllPages } from '../ledger/ledger-pages.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.port.js';
import type { GuestKeyStore } from '../ports/guest-key-store.port.js';
import type { GuestPseudonymiser } from '../ports/guest-pseudonymiser.port.js';
import type { GuestSessionEraser } from '../ports/guest-session-eraser.port.js';
import { CONTENT_EVENT_TYPES, sealedContentOf } from './open-recorded-event.js';
import { guestIdHash, guestStreamId } from './sealed-content.js';

export const GUEST_DATA_ERASED = 'GuestDataErased';

/**
 * Recorded in the stream `guest-<hash>` when a guest's data key is destroyed. The stream and the
 * event name the guest only by the hash of its id.
 */
export interface GuestDataErasedV1 {
  readonly type: typeof GUEST_DATA_ERASED;
  readonly schemaVersion: 1;
  readonly data: {
    readonly guestIdHash: string;
    readonly keyId: string;
    readonly erasedAt: string;
    /** Web Messaging session tokens of the guest deleted by this forget (absent before they were). */
    readonly sessionTokensDeleted?: number;
  };
}

export interface Erasure {
  readonly keyId: string;
  readonly erasedAt: string;
  readonly position: number;
}

/** Every outcome says how many session tokens of the guest were deleted by this run. */
export type ForgetResult = { readonly sessionTokensDeleted: number } &
  /** The guest's key was destroyed now; the erasure is at `position` in the ledger. */
  (
    | {
        readonly status: 'erased';
        readonly guestIdHash: string;
        readonly erasures: readonly Erasure[];
      }
    /** There was no key left: an earlier forget erased it. Nothing was recorded again. */
    | {
        readonly status: 'alreadyErased';
        readonly guestIdHash: string;
        readonly previous: readonly Erasure[];
      }
    /** No key and no erasure: nothing of this guest was ever sealed here. */
    | { readonly status: 'unknownGuest'; readonly guestIdHash: string }
  );

export interface GuestPrivacyStatus {
  readonly guestIdHash: string;
  /** The key new content of this guest is sealed with, or null when there is none. */
  readonly activeKeyId: string | null;
  readonly erasures: readonly Erasure[];
  readonly transmissions: ContentCounts;
  /** Agent messages addressed to the guest (their text and attachments sealed the same way). */
  readonly agentMessages: ContentCounts;
}

export interface ContentCounts {
  readonly total: number;
  /** Sealed, and their key still exists. */
  readonly readable: number;
  /** Sealed with a key that was destroyed. */
  readonly erased: number;
  /** Written before content was sealed: in the clear. */
  readonly plain: number;
}

export interface GuestPrivacyDependencies {
  readonly ledger: EventStore;
  readonly keys: GuestKeyStore;
  readonly sessions: GuestSessionEraser;
  readonly clock: Clock;
  /** Finds a guest's transmissions by the ledger's name for the id (`status` only). */
  readonly pseudonymiser: GuestPseudonymiser;
}

/**
 * Forgetting a guest: the session tokens are deleted first (a credential, not content: nothing
 * to record before), then the erasure is appended to the ledger, then the key is destroyed, so
 * an interrupted forget is completed by running it again and never leaves an unrecorded erasure.
 * The ledger is not changed otherwise; its chain covers ciphertext and still verifies.
 */
export class GuestPrivacy {
  constructor(private readonly deps: GuestPrivacyDependencies) {}

  async forget(guestId: string): Promise<ForgetResult> {
    const hash = guestIdHash(guestId);
    const streamId = guestStreamId(guestId);
    const sessionTokensDeleted = await this.deps.sessions.eraseGuestSessions(guestId);
    const key = await this.deps.keys.findByGuest(hash);
    const recorded = await this.deps.ledger.readStream(streamId);
    if (key === null) {
      const previous = erasuresOf(recorded);
      return previous.length > 0
        ? { status: 'alreadyErased', guestIdHash: hash, previous, sessionTokensDeleted }
        : { status: 'unknownGuest', guestIdHash: hash, sessionTokensDeleted };
    }
    const event: GuestDataErasedV1 = {
      type: GUEST_DATA_ERASED,
      schemaVersion: 1,
      data: {
        guestIdHash: hash,
        keyId: key.keyId,
        erasedAt: epochMsToIso(this.deps.clock.now()),
        sessionTokensDeleted,
      },
    };
    const appended = await this.deps.ledger.append({
      streamId,
      expectedVersion: recorded.at(-1)?.streamVersion ?? 'noStream',
      events: [{ ...event, metadata: { causationId: 'gtx privacy forget' } }],
    });
    await this.deps.keys.forget(hash);
    return {
      status: 'erased',
      guestIdHash: hash,
      sessionTokensDeleted,
      erasures: [
        { keyId: key.keyId, erasedAt: event.data.erasedAt, position: appended.lastPosition },
      ],
    };
  }

  async status(guestId: string): Promise<GuestPrivacyStatus> {
    const hash = guestIdHash(guestId);
    const key = await this.deps.keys.findByGuest(hash);
    const erasures = erasuresOf(await this.deps.ledger.readStream(guestStreamId(guestId)));
    const storedGuestId = await this.deps.pseudonymiser.guestId(guestId);
    const transmissions = { total: 0, readable: 0, erased: 0, plain: 0 };
    const agentMessages = { total: 0, readable: 0, erased: 0, plain: 0 };
    const known = new Map<string, boolean>();
    for await (const row of readAllPages(this.deps.ledger, { types: CONTENT_EVENT_TYPES })) {
      if ((row.data as { guestId?: unknown } | null)?.guestId !== storedGuestId) continue;
      const counts = row.type === 'AgentMessageReceived' ? agentMessages : transmissions;
      counts.total += 1;
      const sealed = sealedContentOf(row);
      if (sealed === null) {
        counts.plain += 1;
        continue;
      }
      const keyId = sealed.content.sealed.keyId;
      let exists = known.get(keyId);
      if (exists === undefined) {
        exists = (await this.deps.keys.findById(keyId)) !== null;
        known.set(keyId, exists);
      }
      counts[exists ? 'readable' : 'erased'] += 1;
    }
    return {
      guestIdHash: hash,
      activeKeyId: key?.keyId ?? null,
      erasures,
      transmissions,
      agentMessages,
    };
  }
}

function erasuresOf(recorded: readonly RecordedEvent[]): Erasure[] {
  return recorded
    .filter((event) => event.type === GUEST_DATA_ERASED)
    .map((event) => {
      const data = event.data as Partial<GuestDataErasedV1['data']>;
      return {
        keyId: String(data.keyId),
        erasedAt: String(data.erasedAt),
        position: event.position,
      };
    });
}
