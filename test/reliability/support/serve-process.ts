import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './reliability-kit.js';

export const SERVE_API_KEY = 'scale-out-key-0123456789abcdef';

/** One `gtx serve` worker as its own process (node + tsx directly, so signals reach it). */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | string>;
  stderr(): string;
}

export function startServe(env: Readonly<Record<string, string>>): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      GTX_LOG_LEVEL: 'warn',
      GTX_API_KEYS: SERVE_API_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        resolve({ child, url: match[1], exited, stderr: () => stderr });
      }
    });
    void exited.then((code) => {
      reject(new Error(`gtx serve exited with ${String(code)} before listening: ${stderr}`));
    });
  });
}

export async function stopServe(worker: ServeProcess, signal: NodeJS.Signals = 'SIGKILL') {
  if (worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill(signal);
  }
  return worker.exited;
}

/** POSTs a batch of commands; null when the worker could not be reached at all. */
export async function postCommands(url: string, commands: unknown[]): Promise<Response | null> {
  try {
    return await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVE_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(commands),
      signal: AbortSignal.timeout(20_000),
    });
  } catch {
    return null;
  }
}

/** The worker's Prometheus text as `name{labels}` -> value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${SERVE_API_KEY}` },
  });
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const cut = line.lastIndexOf(' ');
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return values;
}
