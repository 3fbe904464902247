import { GtxError } from '../../domain/index.js';
import type { SinkFailure } from '../ports/index.js';

/** The live feed was disabled (its receiver answered 410 Gone) and has not been enabled since. */
export class FeedDisabledError extends GtxError {
  constructor(feed: string, reason: string) {
    super(
      'FEED_DISABLED',
      `the analytics feed ${feed} is disabled (${reason}); run gtx feed enable to start it again`,
      { details: { feed, reason } },
    );
  }
}

/** A batch could not be delivered within the attempts allowed (replay only; the feed persists). */
export class SinkDeliveryError extends GtxError {
  constructor(
    readonly failure: SinkFailure,
    attempts: number,
    position: number,
  ) {
    super(
      failure.kind === 'gone' ? 'SINK_GONE' : 'SINK_DELIVERY_FAILED',
      `the sink did not accept the batch at position ${String(position)} after ${String(attempts)} attempt(s): ${failure.detail}`,
      { details: { kind: failure.kind, status: failure.status, attempts, position } },
    );
  }
}

/** A bad option of the feed, replay or a sink, named. */
export class FeedConfigError extends GtxError {
  constructor(setting: string, reason: string) {
    super('FEED_CONFIG_INVALID', `${setting} ${reason}`, { details: { setting } });
  }
}
