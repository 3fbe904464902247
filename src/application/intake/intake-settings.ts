/** How a broker intake treats what it consumes; every field has a default. */
export interface IntakeSettings {
  /** Larger bodies are intake failures, refused unread (NATS' own default payload limit). */
  readonly maxBodyBytes: number;
  /** Delay of the first redelivery after the ledger could not record; doubles per redelivery. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long `stop()` waits for deliveries and outcome notices in flight. */
  readonly drainTimeoutMs: number;
  /**
   * How long a conversation waits for a command of its own that went back to the broker before
   * later ones may pass it (another consumer may have taken it).
   */
  readonly orderHoldExpiryMs: number;
  /**
   * Redeliveries of a message that fails for a reason that is not a ledger outage before it is
   * recorded as an intake failure and terminated, so nothing is redelivered forever.
   */
  readonly maxUnexpectedRedeliveries: number;
}

export const DEFAULT_INTAKE_SETTINGS: IntakeSettings = Object.freeze({
  maxBodyBytes: 1_048_576,
  retryDelayMs: 1_000,
  maxRetryDelayMs: 30_000,
  drainTimeoutMs: 10_000,
  orderHoldExpiryMs: 120_000,
  maxUnexpectedRedeliveries: 5,
});

/** The redelivery delay after the ledger could not record: doubling, capped. */
export function retryDelay(settings: IntakeSettings, redeliveryCount: number): number {
  const doubled = settings.retryDelayMs * 2 ** Math.min(Math.max(0, redeliveryCount), 16);
  return Math.min(settings.maxRetryDelayMs, doubled);
}
