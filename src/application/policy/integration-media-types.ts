import { exhaustMap, interval, type Subscription } from 'rxjs';
import { GtxError, isGtxError } from '../../domain/index.js';
import { isValidMediaTypePattern } from '../../domain/policies/index.js';
import type { Clock, IntegrationDirectory, Logger } from '../ports/index.js';
import type { MediaTypeSource } from './policy-source.js';

export interface IntegrationMediaTypesOptions {
  readonly integrationId: string;
  /** How often the profile is read again (GTX_MEDIA_POLICY_REFRESH_MS). */
  readonly refreshEveryMs: number;
}

/** Seen by the service's metrics: each refresh and whether it worked. */
export interface MediaTypesObserver {
  onRefreshed?(outcome: 'updated' | 'unchanged' | 'failed'): void;
}

/** The profile could not be read when starting with GTX_MEDIA_POLICY=from-integration. */
export class MediaPolicyUnavailableError extends GtxError {
  static readonly CODE = 'MEDIA_POLICY_UNAVAILABLE';

  constructor(integrationId: string, reason: string, causeCode: string | null, cause?: unknown) {
    super(
      MediaPolicyUnavailableError.CODE,
      `GTX_MEDIA_POLICY=from-integration: the Supported Content profile of integration ${integrationId} cannot be read: ${reason}`,
      { cause, details: { integrationId, causeCode } },
    );
  }
}

/**
 * The media types an attachment we send may have, taken from the integration's Supported Content
 * profile (its `inbound` list: guest to Genesys is inbound for Genesys). Read once at start, where
 * a failure stops the start; then again every `refreshEveryMs` on the clock's scheduler, where a
 * failure keeps the last profile, is logged and counted.
 */
export class IntegrationMediaTypes implements MediaTypeSource {
  private types: readonly string[] | null = null;
  private failures = 0;
  private refreshing: Subscription | null = null;

  constructor(
    private readonly directory: IntegrationDirectory,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: IntegrationMediaTypesOptions,
    private readonly observer: MediaTypesObserver = {},
  ) {}

  /** Reads the profile for the first time; MediaPolicyUnavailableError when it cannot. */
  async load(): Promise<void> {
    try {
      this.types = await this.read();
    } catch (error) {
      const code = isGtxError(error) ? error.code : null;
      const reason = error instanceof Error ? error.message : String(error);
      throw new MediaPolicyUnavailableError(this.options.integrationId, reason, code, error);
    }
    this.logger.info('media policy read from the integration', {
      integrationId: this.options.integrationId,
      mediaTypes: this.types.length,
    });
  }

  /** Refreshes on the clock until `stop()`. */
  start(): void {
    this.refreshing ??= interval(this.options.refreshEveryMs, this.clock.scheduler)
      .pipe(exhaustMap(() => this.refresh()))
      .subscribe();
  }

  stop(): void {
    this.refreshing?.unsubscribe();
    this.refreshing = null;
  }

  /** One refresh; a failure keeps the profile held. */
  async refresh(): Promise<'updated' | 'unchanged' | 'failed'> {
    let outcome: 'updated' | 'unchanged' | 'failed';
    try {
      const read = await this.read();
      outcome = sameList(read, this.types) ? 'unchanged' : 'updated';
      if (outcome === 'updated') {
        this.types = read;
        this.logger.info('media policy changed on the integration', {
          integrationId: this.options.integrationId,
          mediaTypes: read.length,
        });
      }
    } catch (error) {
      outcome = 'failed';
      this.failures += 1;
      this.logger.warn('media policy refresh failed; keeping the last profile', {
        integrationId: this.options.integrationId,
        code: isGtxError(error) ? error.code : null,
        error: error instanceof Error ? error.message : String(error),
        failures: this.failures,
      });
    }
    this.observer.onRefreshed?.(outcome);
    return outcome;
  }

  current(): readonly string[] {
    if (this.types === null) {
      throw new GtxError('MEDIA_POLICY_NOT_LOADED', 'the integration media policy was not loaded');
    }
    return this.types;
  }

  /** Refreshes that failed since the start. */
  get refreshFailures(): number {
    return this.failures;
  }

  private async read(): Promise<readonly string[]> {
    const { integrationId } = this.options;
    const integration = (await this.directory.integration(integrationId)).value;
    if (integration.supportedContentId === null) {
      throw new GtxError(
        'MEDIA_POLICY_NO_PROFILE',
        `integration ${integrationId} names no Supported Content profile`,
      );
    }
    const profile = (await this.directory.supportedContent(integration.supportedContentId)).value;
    const valid = profile.inbound.filter(isValidMediaTypePattern);
    if (valid.length < profile.inbound.length) {
      // Genesys would not store such a pattern; if one comes back, it allows nothing here.
      this.logger.warn('the Supported Content profile holds patterns that are not media types', {
        integrationId,
        supportedContentId: profile.id,
        ignored: profile.inbound.length - valid.length,
      });
    }
    return Object.freeze(valid);
  }
}

function sameList(next: readonly string[], held: readonly string[] | null): boolean {
  return held !== null && next.length === held.length && next.every((type, i) => type === held[i]);
}
