/**
 * JetStream redelivers what a killed consumer left unacknowledged only when its ack wait ends,
 * while newer messages keep coming at once: recorded as they come, a conversation's later
 * messages would overtake its earlier ones. At start the consumer's state says how many
 * messages are pending and the last stream sequence delivered; until those pending messages
 * came back (or the ack wait has surely passed: another instance may have answered them),
 * newer messages wait here.
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

  /** A message from before the restart passes (and counts); a newer one waits. */
  admits(streamSequence: number, nowMs: number): boolean {
    if (this.isLifted(nowMs)) return true;
    if (streamSequence > this.lastDeliveredSequence) return false;
    this.remaining -= 1;
    return true;
  }

  isLifted(nowMs: number): boolean {
    return this.remaining <= 0 || nowMs >= this.untilMs;
  }

  msUntilLifted(nowMs: number): number {
    return Math.max(0, this.untilMs - nowMs);
  }
}
