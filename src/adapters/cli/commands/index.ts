import type { CommandRegistrar } from '../run-cli.js';
import { registerAudit } from './audit.js';
import { registerCompletion } from './completion.js';
import { registerConsume } from './consume.js';
import { registerDeadLetters } from './dead-letters.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerFeed } from './feed.js';
import { registerLedger } from './ledger.js';
import { registerPrivacy } from './privacy.js';
import { registerReplay } from './replay.js';
import { registerSandbox } from './sandbox.js';
import { registerSend } from './send.js';
import { registerServe } from './serve.js';
import { registerStats } from './stats.js';
import { registerStatus } from './status.js';
import { registerTranscript } from './transcript.js';

/** Every gtx command, in the order `gtx --help` lists them. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerDemo,
  registerSend,
  registerStatus,
  registerTranscript,
  registerDeadLetters,
  registerDoctor,
  registerSandbox,
  registerServe,
  registerConsume,
  registerPrivacy,
  registerFeed,
  registerReplay,
  registerStats,
  registerAudit,
  registerLedger,
  registerCompletion,
];
