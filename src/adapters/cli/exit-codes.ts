/** The CLI's exit codes: part of its interface, documented in the README. */
export const EXIT = {
  ok: 0,
  usage: 1,
  rejected: 2,
  deadLettered: 3,
  authFailed: 4,
  ledgerBroken: 5,
  /** `gtx consume`: the broker does not answer, or the source stopped while running. */
  brokerUnavailable: 6,
  /** `gtx consume`: the broker refused the credentials. */
  brokerAuthFailed: 7,
  /** `gtx consume`: the stream, consumer, queue or exchange does not exist. */
  brokerNotFound: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
