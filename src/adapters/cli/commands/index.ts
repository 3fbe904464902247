import type { CommandRegistrar } from '../run-cli.js';

/** Every gtx command, in the order `gtx --help` lists them. */
export const COMMANDS: readonly CommandRegistrar[] = [];
