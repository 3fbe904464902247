import type { RecordedEvent } from '../ports/event-store.port.js';
import type { PersonalDataVault } from '../ports/personal-data-vault.port.js';
import { openRecordedEvent, sealedContentOf } from './open-recorded-event.js';

/** What an export shows for content whose guest was forgotten. */
export const ERASED_VIEW = { erased: true } as const;

/**
 * The audit export's reader view of personal content: a transmission request's sealed content
 * decrypted, or `{content: {erased: true, keyId}}` when its key was destroyed. Rows without
 * sealed content get no view. Fits `RowViewer` of `audit/ledger-export.ts` (structurally, so
 * neither module depends on the other).
 */
export class PersonalDataRowViewer {
  constructor(private readonly vault: PersonalDataVault) {}

  async view(row: RecordedEvent): Promise<Record<string, unknown> | null> {
    const sealed = sealedContentOf(row);
    if (sealed === null) return null;
    const opened = await openRecordedEvent(row, this.vault);
    const content = (opened.data as { content: { kind: string } }).content;
    if (content.kind === 'erased') {
      return { content: { ...ERASED_VIEW, keyId: sealed.content.sealed.keyId } };
    }
    return { content };
  }
}
