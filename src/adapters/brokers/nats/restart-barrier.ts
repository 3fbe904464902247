/**
 * JetStream redelivers what a killed consumer left unacknowledged only when each message's ack
 * wait ends, in the order those waits end, while newer messages come at once: taken as they
 * come, a conversation's later messages would overtake its earlier ones. At start the
 * consumer's state says how many messages are pending and the last stream sequence delivered;
 * until those pending messages came back (or the ack wait has surely passed: another instance
 * may have answered them), everything waits, and is then taken in stream order.
 */
export class RestartBarrier {
  private remaining: number;

  constructor(
    private readonly lastDeliveredSequence: number,
    pending: number,
    /** After this moment every pending message of the dead consumer has been redelivered. */
    private readonly untilMs: number,
  ) {
    this.remaining = pending;
  }

  /** A message arrived while the barrier stands: one from before the restart counts. */
  observe(streamSequence: number): void {
    if (streamSequence <= this.lastDeliveredSequence) this.remaining -= 1;
  }

  isLifted(nowMs: number): boolean {
    return this.remaining <= 0 || nowMs >= this.untilMs;
  }

  msUntilLifted(nowMs: number): number {
    return Math.max(0, this.untilMs - nowMs);
  }
}
