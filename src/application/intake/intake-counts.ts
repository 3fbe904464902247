/** What an intake did since it started, for logs, `gtx consume`'s summary and tests. */
export interface IntakeCounts {
  /** Deliveries received, redeliveries included. */
  readonly received: number;
  /** Commands recorded for the first time and acknowledged (accepted or rejected). */
  readonly recorded: number;
  /** Of those, rejected by the policies. */
  readonly rejected: number;
  /** Deliveries of commands already in the ledger, acknowledged without recording anything. */
  readonly duplicates: number;
  /** Bodies that are not commands, recorded as intake failures and terminated. */
  readonly intakeFailures: number;
  /** Deliveries handed back to the broker to come again later (ledger outage, order). */
  readonly retried: number;
  /** Answers (ack, nak, term) the broker did not take: it redelivers those messages. */
  readonly answerFailures: number;
  readonly noticesPublished: number;
  readonly noticeFailures: number;
}

export type MutableIntakeCounts = { -readonly [K in keyof IntakeCounts]: IntakeCounts[K] };

export function emptyIntakeCounts(): MutableIntakeCounts {
  return {
    received: 0,
    recorded: 0,
    rejected: 0,
    duplicates: 0,
    intakeFailures: 0,
    retried: 0,
    answerFailures: 0,
    noticesPublished: 0,
    noticeFailures: 0,
  };
}
