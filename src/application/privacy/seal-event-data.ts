import type { TransmissionEvent } from '../../domain/index.js';
import type { GuestPseudonymiser } from '../ports/guest-pseudonymiser.port.js';
import type { PersonalDataVault } from '../ports/personal-data-vault.port.js';

/**
 * The data to store for a domain event: a request's content is sealed with its guest's key
 * (bound to the stored guest id and the command id), and its guest id and conversation ref are
 * stored as the pseudonymiser names them (the values themselves, or keyed hashes: then the
 * real guest id is only inside the sealed content, and is erased with the key). Every other
 * field, and every other event, is stored as it is. `contentSha256` stays the hash of the
 * plaintext.
 */
export async function sealEventData(
  event: TransmissionEvent,
  vault: PersonalDataVault,
  pseudonymiser: GuestPseudonymiser,
): Promise<unknown> {
  if (event.type !== 'TransmissionRequested' && event.type !== 'TransmissionRejected') {
    return event.data;
  }
  const { content, commandId } = event.data;
  if (content.kind === 'erased' || content.kind === 'unopened') {
    throw new Error(`a new ${event.type} for ${commandId} carries no content to seal`);
  }
  const guestId = await pseudonymiser.guestId(event.data.guestId);
  const conversationRef = await pseudonymiser.conversationRef(event.data.conversationRef);
  const sealed = await vault.seal({ guestId, commandId }, content);
  return { ...event.data, guestId, conversationRef, content: sealed };
}
