import type { GuestKeyStore, WrappedGuestKey } from '../ports/guest-key-store.port.js';
import type { MasterKeyRewrapper } from '../ports/master-key-rewrapper.port.js';

export interface MasterKeyRotationReport {
  /** Guest keys seen in the last pass (forgotten ones are not counted). */
  readonly keys: number;
  /** Keys given a wrap by the new master key in this run. */
  readonly newWrapsAdded: number;
  /** Keys whose old wraps were removed in this run. */
  readonly oldWrapsDropped: number;
}

export interface MasterKeyRotationDependencies {
  readonly keys: GuestKeyStore;
  readonly rewrapper: MasterKeyRewrapper;
  readonly pageSize?: number;
}

type Step = (key: WrappedGuestKey) => string | null;

/**
 * Moves every guest key to a new master key in two passes: first each key gets a wrap by the
 * new key beside the old one (both keys open everything), then the old wraps are dropped. Every
 * change is a compare-and-set, so workers creating or forgetting keys meanwhile are never
 * overwritten, and a run that stopped anywhere is finished by running it again.
 */
export class MasterKeyRotation {
  constructor(private readonly deps: MasterKeyRotationDependencies) {}

  async run(): Promise<MasterKeyRotationReport> {
    const added = await this.pass((key) => this.deps.rewrapper.addNewWrap(key));
    const dropped = await this.pass((key) => this.deps.rewrapper.dropOldWraps(key));
    return { keys: dropped.keys, newWrapsAdded: added.changed, oldWrapsDropped: dropped.changed };
  }

  private async pass(step: Step): Promise<{ keys: number; changed: number }> {
    const pageSize = this.deps.pageSize ?? 200;
    let after: string | null = null;
    let keys = 0;
    let changed = 0;
    for (;;) {
      const page = await this.deps.keys.list(after, pageSize);
      for (const key of page) {
        const outcome = await this.apply(key, step);
        if (outcome !== 'forgotten') keys += 1;
        if (outcome === 'changed') changed += 1;
      }
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return { keys, changed };
      after = last.keyId;
    }
  }

  /** Retries on a lost compare-and-set with the row as it is now. */
  private async apply(
    listed: WrappedGuestKey,
    step: Step,
  ): Promise<'changed' | 'unchanged' | 'forgotten'> {
    let key: WrappedGuestKey | null = listed;
    while (key !== null) {
      const next = step(key);
      if (next === null) return 'unchanged';
      if (await this.deps.keys.rewrap(key.keyId, key.wrapped, next)) return 'changed';
      key = await this.deps.keys.findById(key.keyId);
    }
    return 'forgotten';
  }
}
