import { GtxError } from '../../domain/index.js';

/** No event of the ledger names this conversation (as typed, or as the ledger stores it). */
export class ConversationNotFoundError extends GtxError {
  constructor(conversationRef: string) {
    super('CONVERSATION_NOT_FOUND', `no conversation ${conversationRef} in this ledger`, {
      details: { conversationRef },
    });
  }
}
