/**
 * The sandbox Genesys in its own process, so its CPU time is separate from the load
 * generator's. Options come as JSON in argv[2] (SandboxOptions).
 */
import { startSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { serveChild } from '../lib/child.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox({ port: 0, ...options });

serveChild(
  { url: sandbox.url },
  (message) => {
    switch (message.type) {
      case 'stats':
        return { stats: sandbox.stats() };
      case 'reset':
        // The received log grows with every message; forget it between runs.
        sandbox.reset();
        return {};
      default:
        return { error: `unknown request ${message.type}` };
    }
  },
  () => sandbox.close(),
);
