import {
  agentMessageStreamId,
  decideAgentMessage,
  epochMsToIso,
  evolveAgentMessage,
  hasErrorCode,
  initialAgentMessageState,
  isGtxError,
  type AgentMessageEvent,
  type AgentMessageState,
} from '../../domain/index.js';
import { agentContentContext } from '../privacy/sealed-content.js';
import type { ReceiptInput } from '../commands/command-input.js';
import type {
  Clock,
  EventStore,
  GuestPseudonymiser,
  Logger,
  PersonalDataVault,
  RecordedEvent,
} from '../ports/index.js';
import { contentSha256 } from '../transmission/content-hash.js';
import type {
  AgentMessageArrival,
  AgentMessageHandler,
  AgentMessageNotice,
} from './agent-message-arrival.js';
import { agentReceiptCommandId, decideReceipt, type AgentReceiptPolicy } from './agent-receipts.js';
import { readAgentMessageEvent } from './agent-message-reading.js';
import type { GuestConversations } from './guest-conversations.js';

export interface AgentMessageRecorderDependencies {
  readonly events: EventStore;
  readonly vault: PersonalDataVault;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly conversations: Pick<GuestConversations, 'conversationOf'>;
  /** How the ledger names the guest in clear fields: the id, or its keyed hash. */
  readonly pseudonymiser: Pick<GuestPseudonymiser, 'guestId'>;
  readonly receipts: AgentReceiptPolicy;
  /** Puts a receipt command in the ledger (idempotent by its id); resolves once it is there. */
  readonly acceptReceipt: (input: { readonly kind: 'receipt' } & ReceiptInput) => Promise<void>;
  /** Whether the receipt's command is in the ledger already (a retry after it was requested). */
  readonly receiptRequested: (commandId: string) => Promise<boolean>;
}

export interface RecordedAgentMessage {
  readonly streamId: string;
  readonly type: AgentMessageEvent['type'];
  /** Recorded before: nothing new was written. */
  readonly duplicate: boolean;
  readonly conversationRef: string | null;
  readonly receiptCommandId: string | null;
}

/**
 * Records one message from Genesys in the conversation of the guest it is addressed to (or as
 * unmatched), then requests its receipt, then tells the application. The record comes first
 * and alone decides the answer: a retry (Genesys resends until it gets a 2xx) finds it
 * recorded, requests the receipt again if it was not yet, and records nothing new.
 */
export class AgentMessageRecorder {
  private readonly handlers = new Set<AgentMessageHandler>();

  constructor(private readonly deps: AgentMessageRecorderDependencies) {}

  onAgentMessage(handler: AgentMessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async record(arrival: AgentMessageArrival): Promise<RecordedAgentMessage> {
    const { deps } = this;
    const storedGuestId = await deps.pseudonymiser.guestId(arrival.guest.id);
    const conversationRef = await deps.conversations.conversationOf(storedGuestId);
    const event = this.eventOf(arrival, storedGuestId, conversationRef);
    const streamId = agentMessageStreamId(event);
    const existing = await deps.events.readStream(streamId);
    const state = existing.reduce(foldRecorded, initialAgentMessageState);
    const decided = decideAgentMessage({ type: 'RecordAgentMessage', event }, state);
    let recorded = existing.find((row) => row.streamVersion === 1) ?? null;
    let duplicate = decided.length === 0;
    if (!duplicate) {
      try {
        await deps.events.append({
          streamId,
          expectedVersion: 'noStream',
          events: await Promise.all(decided.map((e) => this.sealed(e))),
        });
      } catch (error) {
        if (!hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) throw error;
        // A concurrent delivery of the same message was recorded first: it stands.
        duplicate = true;
      }
      if (duplicate) recorded = (await deps.events.readStream(streamId))[0] ?? null;
    }
    // What was recorded first decides where the message is, not this arrival's lookup.
    const recordedRef = recorded === null ? conversationRef : conversationOfRow(recorded);
    deps.logger.info(duplicate ? 'agent message already recorded' : 'agent message recorded', {
      streamId,
      type: event.type,
      channel: arrival.channel,
      matched: recordedRef !== null,
      ...(event.type === 'AgentMessageReceived' ? { contentSha256: event.data.contentSha256 } : {}),
    });
    const notice: Omit<AgentMessageNotice, 'receiptCommandId'> = {
      type: event.type,
      streamId,
      channel: arrival.channel,
      genesysMessageId: arrival.genesysMessageId,
      guestId: arrival.guest.id,
      conversationRef: recordedRef,
      originatingEntity: arrival.originatingEntity,
      sentAt: event.data.sentAt,
      receivedAt: recorded?.recordedAt ?? event.data.receivedAt,
      duplicate,
      body: arrival.body,
    };
    const receiptCommandId = await this.requestReceipt(arrival, {
      ...notice,
      receiptCommandId: null,
    });
    // Not awaited: a slow handler must not hold the webhook past Genesys' 10 s.
    void this.tell({ ...notice, receiptCommandId });
    return {
      streamId,
      type: event.type,
      duplicate,
      conversationRef: recordedRef,
      receiptCommandId,
    };
  }

  private eventOf(
    arrival: AgentMessageArrival,
    storedGuestId: string,
    conversationRef: string | null,
  ): AgentMessageEvent {
    const address = {
      genesysMessageId: arrival.genesysMessageId,
      channel: arrival.channel,
      guestId: storedGuestId,
      conversationRef,
      originatingEntity: arrival.originatingEntity,
      sentAt: arrival.sentAt,
      receivedAt: epochMsToIso(this.deps.clock.now()),
    };
    const { body } = arrival;
    switch (body.type) {
      case 'Text': {
        const content = {
          kind: 'agentMessage' as const,
          guestId: arrival.guest.id,
          ...(body.text === null ? {} : { text: body.text }),
          attachments: body.attachments,
        };
        return {
          type: 'AgentMessageReceived',
          schemaVersion: 1,
          data: {
            ...address,
            contentSha256: contentSha256(content),
            attachmentCount: body.attachments.length,
            content,
          },
        };
      }
      case 'Event':
        return {
          type: 'AgentEventReceived',
          schemaVersion: 1,
          data: { ...address, events: body.events },
        };
      case 'Receipt':
        return {
          type: 'GenesysReceiptReceived',
          schemaVersion: 1,
          data: {
            ...address,
            status: body.status,
            reasons: body.reasons,
            isFinalReceipt: body.isFinalReceipt,
          },
        };
    }
  }

  /** The stored form: an agent's text and attachments sealed under the guest's key. */
  private async sealed(event: AgentMessageEvent) {
    const metadata = { causationId: event.data.genesysMessageId };
    if (event.type !== 'AgentMessageReceived') {
      return { type: event.type, schemaVersion: event.schemaVersion, data: event.data, metadata };
    }
    const { content, guestId, genesysMessageId } = event.data;
    if (content.kind !== 'agentMessage') {
      throw new Error(
        `a new AgentMessageReceived for ${genesysMessageId} carries no content to seal`,
      );
    }
    const sealed = await this.deps.vault.seal(
      agentContentContext(guestId, genesysMessageId),
      content,
    );
    return {
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: { ...event.data, content: sealed },
      metadata,
    };
  }

  private async requestReceipt(
    arrival: AgentMessageArrival,
    notice: AgentMessageNotice,
  ): Promise<string | null> {
    const commandId = agentReceiptCommandId(arrival.genesysMessageId);
    if (notice.type !== 'AgentMessageReceived' || notice.conversationRef === null) return null;
    if (notice.duplicate && (await this.deps.receiptRequested(commandId))) return commandId;
    const decision = await decideReceipt(this.deps.receipts, notice);
    if (decision === null) return null;
    try {
      await this.deps.acceptReceipt({
        kind: 'receipt',
        id: commandId,
        guest: { id: arrival.guest.id, idType: arrival.guest.idType ?? 'Opaque' },
        conversation: notice.conversationRef,
        messageId: arrival.genesysMessageId,
        status: decision.status,
        ...(decision.status === 'Failed' ? { reasons: [...decision.reasons] } : {}),
      });
    } catch (error) {
      // A receipt decided differently on a retry than the first time: the first one stands.
      if (!hasErrorCode(error, 'COMMAND_ID_REUSED')) throw error;
      this.deps.logger.warn('agent receipt already requested with another status', { commandId });
    }
    return commandId;
  }

  /** A handler that fails is logged, never lets the delivery fail: the message is recorded. */
  private async tell(notice: AgentMessageNotice): Promise<void> {
    for (const handler of this.handlers) {
      try {
        await handler(notice);
      } catch (error) {
        this.deps.logger.error('an onAgentMessage handler failed', {
          streamId: notice.streamId,
          code: isGtxError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN',
        });
      }
    }
  }
}

function foldRecorded(state: AgentMessageState, row: RecordedEvent): AgentMessageState {
  return evolveAgentMessage(state, readAgentMessageEvent(row));
}

function conversationOfRow(row: RecordedEvent): string | null {
  const ref = (row.data as { conversationRef?: unknown } | null)?.conversationRef;
  return typeof ref === 'string' ? ref : null;
}
