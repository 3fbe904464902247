import type { TransmissionEvent } from '../../domain/index.js';
import type { PersonalDataVault } from '../ports/personal-data-vault.port.js';

/**
 * The data to store for a domain event: a request's content is sealed with its guest's key
 * (bound to the guest and command ids); every other field, and every other event, is stored as
 * it is. `contentSha256` stays the hash of the plaintext.
 */
export async function sealEventData(
  event: TransmissionEvent,
  vault: PersonalDataVault,
): Promise<unknown> {
  if (event.type !== 'TransmissionRequested' && event.type !== 'TransmissionRejected') {
    return event.data;
  }
  const { content, commandId, guestId } = event.data;
  if (content.kind === 'erased' || content.kind === 'unopened') {
    throw new Error(`a new ${event.type} for ${commandId} carries no content to seal`);
  }
  const sealed = await vault.seal({ guestId, commandId }, content);
  return { ...event.data, content: sealed };
}
