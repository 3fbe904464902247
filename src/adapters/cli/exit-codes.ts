/** The CLI's exit codes: part of its interface, documented in the README. */
export const EXIT = {
  ok: 0,
  usage: 1,
  rejected: 2,
  deadLettered: 3,
  authFailed: 4,
  ledgerBroken: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
