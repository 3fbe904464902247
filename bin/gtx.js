#!/usr/bin/env node
// The installed CLI runs the compiled output (npm run build, done by `prepare` on install).
await import('../dist/src/adapters/cli/main.js');
