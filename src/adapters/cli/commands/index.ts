import type { CommandRegistrar } from '../run-cli.js';
import { registerAudit } from './audit.js';
import { registerFeed } from './feed.js';
import { registerPrivacy } from './privacy.js';
import { registerReplay } from './replay.js';
import { registerServe } from './serve.js';
import { registerStats } from './stats.js';

/** Every gtx command, in the order `gtx --help` lists them. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerPrivacy,
  registerFeed,
  registerReplay,
  registerStats,
  registerServe,
  registerAudit,
];
