import type { CommandRegistrar } from '../run-cli.js';
import { registerAudit } from './audit.js';
import { registerPrivacy } from './privacy.js';

/** Every gtx command, in the order `gtx --help` lists them. */
export const COMMANDS: readonly CommandRegistrar[] = [registerPrivacy, registerAudit];
