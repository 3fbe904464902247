#!/usr/bin/env node
// The installed CLI runs the compiled output. npm builds it in a checkout (`npm ci` and
// `npm install` run the prepare script) and before packing; by hand: `npm run build`, or run
// from source with `npm run gtx -- ARGS`.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const entry = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'gtx: not built yet: run `npm run build` (npm ci and npm install do it), or `npm run gtx -- ARGS` from source\n',
  );
  process.exit(1);
}
await import(entry.href);
