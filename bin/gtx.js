#!/usr/bin/env node
// The installed CLI runs the compiled output; in a checkout, build it first (`npm run build`)
// or run from source with `npm run gtx -- ARGS`.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const entry = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'gtx: not built yet: run `npm run build` (or `npm run gtx -- ARGS` from source)\n',
  );
  process.exit(1);
}
await import(entry.href);
