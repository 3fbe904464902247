#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { COMMANDS } from './commands/index.js';
import { runCli } from './run-cli.js';

// A reader that stops early (`gtx audit export | head`) closes the pipe: that ends the output,
// it is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), processIo(), COMMANDS);
