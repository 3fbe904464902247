#!/usr/bin/env node
/** The `gtx` command line: the CLI adapter's commands, given the services the composition builds. */
import { processIo } from './adapters/cli/cli-io.js';
import { COMMANDS } from './adapters/cli/commands/index.js';
import { runCli } from './adapters/cli/run-cli.js';
import { createCliServices } from './composition/cli-services.js';

// A reader that stops early (`gtx audit export | head`) closes the pipe: that ends the output,
// it is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), processIo(), COMMANDS, createCliServices());
