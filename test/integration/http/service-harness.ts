import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CliIo } from '../../../src/adapters/cli/cli-io.js';
import {
  startService,
  type RunningService,
  type ServiceOptions,
} from '../../../src/composition/service.js';
import { paced, type ClientPace } from '../../support/sandbox-harness.js';

export const KEY_A = 'test-key-aaaaaaaaaaaaaaaa';
export const KEY_B = 'test-key-bbbbbbbbbbbbbbbb';

export interface ServiceHarness {
  readonly service: RunningService;
  readonly url: string;
  readonly dir: string;
  readonly ledgerPath: string;
  /** Everything the service wrote to standard error (its JSON logs). */
  logs(): string;
  call(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export function captureStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

export interface HarnessOptions extends Partial<ServiceOptions> {
  /**
   * The service's pace (its burst is 1), which the in-process sandbox enforces per token (see
   * `paced`): default Genesys' own, 300 a minute. `sandboxOptions` and `rateLimitPerMinute` win.
   */
  readonly pace?: Pick<Partial<ClientPace>, 'perMinute'>;
}

/** A real service on 127.0.0.1 with an in-process sandbox, a real SQLite file under tmpdir. */
export async function startHarness(
  env: Record<string, string> = {},
  { pace, ...options }: HarnessOptions = {},
): Promise<ServiceHarness> {
  const run = paced(pace);
  const dir = mkdtempSync(join(tmpdir(), 'gtx-http-'));
  const ledgerPath = join(dir, 'ledger.db');
  const stderr = captureStream();
  const stdout = captureStream();
  const io: CliIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    cwd: dir,
    env: {
      GTX_API_KEYS: `${KEY_A},${KEY_B}`,
      GTX_API_RATE_PER_MINUTE: '1000000',
      GTX_LOG_LEVEL: 'debug',
      ...env,
    },
  };
  const service = await startService(io, {
    sandbox: true,
    host: '127.0.0.1',
    port: 0,
    ledgerPath,
    sandboxOptions: run.sandbox,
    rateLimitPerMinute: run.client.perMinute,
    ...options,
  });
  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const { key = KEY_A, headers, ...rest } = init;
    return fetch(`${service.url}${path}`, {
      ...rest,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(headers as Record<string, string> | undefined),
      },
    });
  };
  return {
    service,
    url: service.url,
    dir,
    ledgerPath,
    logs: stderr.text,
    call,
    post: (path, body, headers = {}) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    close: async () => {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the status URL until the command is final (no wall-clock assertion, only a cap). */
export async function waitFinal(harness: ServiceHarness, commandId: string): Promise<StatusBody> {
  for (let i = 0; i < 400; i++) {
    const response = await harness.call(`/v1/messages/${encodeURIComponent(commandId)}`);
    const body = (await response.json()) as StatusBody;
    if (['delivered', 'rejected', 'deadLettered'].includes(body.status)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`command ${commandId} did not become final`);
}

export interface StatusBody {
  readonly commandId: string;
  readonly status: string;
  readonly outcome: Record<string, unknown> | null;
  readonly events: { position: number; type: string; data: Record<string, unknown> }[];
}

export interface ErrorResponse {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly requestId: string;
    readonly problems?: { code: string; field: string; message: string }[];
  };
}

/** Parses Prometheus text: `name{labels}` -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+?(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], Number(match[2]));
  }
  return values;
}
