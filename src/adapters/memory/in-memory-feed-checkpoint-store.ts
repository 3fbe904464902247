import { inject, injectable } from 'inversify';
import { epochMsToIso } from '../../domain/index.js';
import {
  CLOCK,
  type Clock,
  type FeedCheckpoint,
  type FeedCheckpointStore,
} from '../../application/ports/index.js';
import { FeedConfigError } from '../../application/feed/feed-errors.js';

/** The checkpoint store's twin, for unit tests of the feed and replay. */
@injectable()
export class InMemoryFeedCheckpointStore implements FeedCheckpointStore {
  private readonly checkpoints = new Map<string, FeedCheckpoint>();
  /** Every save, in order: tests check the checkpoint moved only when it should. */
  readonly saves: { readonly name: string; readonly position: number }[] = [];

  constructor(@inject(CLOCK) private readonly clock: Clock) {}

  load(name: string): Promise<number> {
    return Promise.resolve(this.checkpoints.get(name)?.position ?? 0);
  }

  save(name: string, position: number): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0) {
      return Promise.reject(new FeedConfigError('checkpoint position', 'must be an integer >= 0'));
    }
    this.checkpoints.set(name, { name, position, updatedAt: epochMsToIso(this.clock.now()) });
    this.saves.push({ name, position });
    return Promise.resolve();
  }

  list(): Promise<readonly FeedCheckpoint[]> {
    return Promise.resolve(
      [...this.checkpoints.values()].sort((a, b) => a.name.localeCompare(b.name)),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
