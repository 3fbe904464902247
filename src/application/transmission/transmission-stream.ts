import { fold, type TransmissionEvent, type TransmissionState } from '../../domain/index.js';
import { readTransmissionEvent } from '../ledger/transmission-projection.js';
import type { PersonalDataVault, RecordedEvent } from '../ports/index.js';
import { openRecordedEvent } from '../privacy/open-recorded-event.js';

export interface LoadedTransmission {
  readonly events: readonly TransmissionEvent[];
  readonly state: TransmissionState;
  /** The stream's version, for the next append's expected version. */
  readonly version: number;
}

export function loadTransmission(recorded: readonly RecordedEvent[]): LoadedTransmission {
  const events = recorded.map(readTransmissionEvent);
  return {
    events,
    state: fold(events),
    version: recorded.at(-1)?.streamVersion ?? 0,
  };
}

/** As `loadTransmission`, with the request's sealed content opened (or shown as erased). */
export async function loadOpenedTransmission(
  recorded: readonly RecordedEvent[],
  vault: PersonalDataVault,
): Promise<LoadedTransmission> {
  const opened = await Promise.all(recorded.map((event) => openRecordedEvent(event, vault)));
  return loadTransmission(opened);
}
