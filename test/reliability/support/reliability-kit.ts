import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { readAllPages } from '../../../src/application/ledger/ledger-pages.js';
import type { Ledger, RecordedEvent } from '../../../src/application/ports/index.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const CLI_MAIN = join(REPO_ROOT, 'src', 'cli.ts');

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every event of a ledger file, read through its own connection. */
export async function readLedger(path: string): Promise<RecordedEvent[]> {
  return readWholeLedger(openSqliteLedger({ path, clock: new SystemClock() }));
}

/** Every event of a ledger of any engine, which is closed afterwards. */
export async function readWholeLedger(ledger: Ledger): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  try {
    for await (const event of readAllPages(ledger.events, { limit: 5000 })) events.push(event);
  } finally {
    await ledger.close();
  }
  return events;
}

export interface ChildRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
  /** Resolves once the child printed this line on standard output. */
  line(text: string): Promise<void>;
}

/** Starts a TypeScript entry point under tsx as a real child process. */
export function spawnTs(
  entry: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const wait of waiting.splice(0)) {
      if (out.split('\n').includes(wait.text)) wait.resolve();
      else waiting.push(wait);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    line: (text) =>
      new Promise<void>((resolve) => {
        if (out.split('\n').includes(text)) resolve();
        else waiting.push({ text, resolve });
      }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
