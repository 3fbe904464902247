import type { EventStore } from '../ports/event-store.port.js';
import type { GuestPseudonymiser } from '../ports/guest-pseudonymiser.port.js';
import { clearGuestIds, keyedGuestPseudonymiser } from './guest-pseudonyms.js';
import {
  PseudonymisationLedgerNotEmptyError,
  PseudonymisationRequiredError,
} from './privacy-errors.js';

/** The ledger's pseudonymisation key, kept wrapped by the master key beside the guest keys. */
export interface PseudonymisationKeyring {
  /** The unwrapped key, or null when the ledger has none (it stores clear ids). */
  find(): Promise<Buffer | null>;
  /** Creates the key unless another process just did; the ledger's key either way. */
  create(): Promise<Buffer>;
}

/**
 * `write`: a transmitter, whose setting must agree with the ledger (it creates the key on a
 * new ledger). `lookup`: a reader (`gtx audit export --guest`, `gtx privacy status`, replay),
 * which follows whatever the ledger is, whatever the setting says.
 */
export type PseudonymiserUse = 'write' | 'lookup';

export type LedgerPseudonymiserDependencies = { readonly keyring: PseudonymisationKeyring } & (
  | {
      readonly use: Extract<PseudonymiserUse, 'write'>;
      /** Read once, on a ledger without a key, for clear rows a key would leave behind. */
      readonly events: EventStore;
      /** `GTX_PSEUDONYMISE=guest-ids` / `privacy.pseudonymiseGuestIds`. */
      readonly enabled: boolean;
    }
  | { readonly use: Extract<PseudonymiserUse, 'lookup'> }
);

const CONTENT_TYPES = ['TransmissionRequested', 'TransmissionRejected'];

/**
 * The ledger decides its mode, once: a ledger holding a pseudonymisation key stores keyed
 * hashes, one without stores values. The mode is settled at the first call (or `ready()`) and
 * kept; a failed attempt (a database outage) is tried again at the next call.
 */
export class LedgerGuestPseudonymiser implements GuestPseudonymiser {
  private mode: Promise<GuestPseudonymiser> | null = null;

  constructor(private readonly deps: LedgerPseudonymiserDependencies) {}

  /** Settles the mode now, so a worker whose setting disagrees with its ledger refuses to start. */
  async ready(): Promise<void> {
    await this.resolved();
  }

  async guestId(guestId: string): Promise<string> {
    return (await this.resolved()).guestId(guestId);
  }

  async conversationRef(conversationRef: string): Promise<string> {
    return (await this.resolved()).conversationRef(conversationRef);
  }

  private resolved(): Promise<GuestPseudonymiser> {
    this.mode ??= this.settle().catch((error: unknown) => {
      this.mode = null;
      throw error;
    });
    return this.mode;
  }

  private async settle(): Promise<GuestPseudonymiser> {
    const { deps } = this;
    const key = await deps.keyring.find();
    if (deps.use === 'lookup') return key === null ? clearGuestIds : keyedGuestPseudonymiser(key);
    if (key !== null) {
      if (!deps.enabled) throw new PseudonymisationRequiredError();
      return keyedGuestPseudonymiser(key);
    }
    if (!deps.enabled) return clearGuestIds;
    if (await holdsClearIds(deps.events)) throw new PseudonymisationLedgerNotEmptyError();
    return keyedGuestPseudonymiser(await deps.keyring.create());
  }
}

async function holdsClearIds(events: EventStore): Promise<boolean> {
  const rows = await events.readAll({
    afterPosition: 0,
    limit: 1,
    types: CONTENT_TYPES,
  });
  return rows.length > 0;
}

/**
 * For commands whose conversation is already named as the ledger stores it: the receipt for an
 * agent's message, whose conversation the recorder found by its stored name, which a keyed hash
 * cannot be turned back from. Guest ids are still named as usual.
 */
export function conversationNamedAsStored(pseudonymiser: GuestPseudonymiser): GuestPseudonymiser {
  const ready = pseudonymiser.ready?.bind(pseudonymiser);
  return {
    guestId: (guestId) => pseudonymiser.guestId(guestId),
    conversationRef: (conversationRef) => Promise.resolve(conversationRef),
    ...(ready === undefined ? {} : { ready }),
  };
}
