/** The CLI's exit codes: part of its interface, documented in the README. */
export const EXIT = {
  ok: 0,
  usage: 1,
  rejected: 2,
  deadLettered: 3,
  authFailed: 4,
  ledgerBroken: 5,
  /** A command id the ledger holds for a different command (COMMAND_ID_REUSED). */
  idReused: 6,
  /** `gtx consume`: the broker does not answer, or the source stopped while running. */
  brokerUnavailable: 7,
  /** `gtx consume`: the broker refused the credentials. */
  brokerAuthFailed: 8,
  /** `gtx consume`: the stream, consumer, queue or exchange does not exist. */
  brokerNotFound: 9,
  /** `gtx dead-letters redrive`: a transmission that cannot be re-driven (REDRIVE_NOT_ALLOWED). */
  redriveRefused: 10,
  /** `gtx doctor`: at least one check failed. */
  doctorFailed: 11,
  /** `gtx transcript`: no event of the ledger names the conversation (CONVERSATION_NOT_FOUND). */
  conversationNotFound: 12,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-code table `gtx --help` prints (the README has the same). */
export const EXIT_CODES_HELP =
  'Exit codes: 0 delivered or ok, 1 usage or configuration error, 2 rejected by validation,\n' +
  '3 dead-lettered, 4 Genesys authentication failed, 5 ledger verification failed,\n' +
  '6 a command id already used for a different command, 7 broker unreachable (or its source\n' +
  'stopped), 8 broker refused the credentials, 9 broker stream, consumer, queue or exchange missing,\n' +
  '10 a transmission that cannot be re-driven (rejected, not dead-lettered, or erased),\n' +
  '11 gtx doctor found a failing check, 12 no such conversation in the ledger (gtx transcript).';
