import { randomUUID } from 'node:crypto';
import type { MessagingEndpoint, ReceivedCopy, ReceivedRequest } from './types.js';

export interface AcceptedRequest {
  readonly endpoint: MessagingEndpoint;
  readonly integrationId: string;
  readonly messageId: string | null;
  /** Copies share this key; null means the request can never be a duplicate (events). */
  readonly duplicateKey: string | null;
  readonly body: unknown;
  readonly conversationId: string | null;
  readonly receivedAt: Date;
}

export interface Acceptance {
  readonly genesysMessageId: string;
  readonly duplicate: boolean;
}

interface MutableReceived {
  readonly endpoint: MessagingEndpoint;
  readonly integrationId: string;
  readonly messageId: string | null;
  readonly body: unknown;
  readonly genesysMessageId: string;
  readonly conversationId: string | null;
  readonly firstReceivedAt: string;
  copies: number;
}

/**
 * Everything the sandbox accepted. Duplicates are accepted again and counted on the first copy's
 * record with the same genesys id: whether the real server de-duplicates is unconfirmed
 * (contract §8), so the sandbox must not hide a double send from the tests.
 */
export class ReceivedLog {
  private readonly records: MutableReceived[] = [];
  private readonly byDuplicateKey = new Map<string, MutableReceived>();
  private readonly copies: ReceivedCopy[] = [];

  accept(request: AcceptedRequest): Acceptance {
    const existing =
      request.duplicateKey === null ? undefined : this.byDuplicateKey.get(request.duplicateKey);
    const record = existing ?? this.newRecord(request);
    if (existing === undefined) {
      this.records.push(record);
      if (request.duplicateKey !== null) this.byDuplicateKey.set(request.duplicateKey, record);
    } else {
      existing.copies += 1;
    }
    this.copies.push({
      endpoint: request.endpoint,
      integrationId: request.integrationId,
      messageId: request.messageId,
      copy: record.copies,
      receivedAt: request.receivedAt.toISOString(),
    });
    return { genesysMessageId: record.genesysMessageId, duplicate: existing !== undefined };
  }

  list(): readonly ReceivedRequest[] {
    return this.records.map((record) => ({ ...record }));
  }

  /** Every copy, in arrival order. */
  arrivals(): readonly ReceivedCopy[] {
    return [...this.copies];
  }

  clear(): void {
    this.records.length = 0;
    this.byDuplicateKey.clear();
    this.copies.length = 0;
  }

  private newRecord(request: AcceptedRequest): MutableReceived {
    return {
      endpoint: request.endpoint,
      integrationId: request.integrationId,
      messageId: request.messageId,
      body: request.body,
      genesysMessageId: randomUUID(),
      conversationId: request.conversationId,
      firstReceivedAt: request.receivedAt.toISOString(),
      copies: 1,
    };
  }
}

/** One conversation per guest per integration, stable for the sandbox's lifetime. */
export class ConversationDirectory {
  private readonly byGuest = new Map<string, string>();

  conversationFor(integrationId: string, guestId: string): string {
    const key = `${integrationId}\u0000${guestId}`;
    let conversationId = this.byGuest.get(key);
    if (conversationId === undefined) {
      conversationId = randomUUID();
      this.byGuest.set(key, conversationId);
    }
    return conversationId;
  }
}
