#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { COMMANDS } from './commands/index.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), processIo(), COMMANDS);
