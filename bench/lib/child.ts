import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A message from a bench child: its first `ready`, then one answer per request id. */
export interface ChildMessage {
  readonly type: string;
  readonly id?: number;
  readonly [key: string]: unknown;
}

export interface CpuTime {
  /** Microseconds, as process.cpuUsage() reports them. */
  readonly user: number;
  readonly system: number;
}

/** A benchmark helper process (sandbox, webhook receiver) driven over IPC. */
export class BenchChild {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: ChildMessage) => void>();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: ChildMessage,
  ) {
    child.on('message', (message: ChildMessage) => {
      if (message.id === undefined) return;
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message);
    });
    child.once('exit', () => {
      this.exited = true;
    });
  }

  /** Forks `bench/children/<name>.ts` (the tsx loader is inherited) and waits for `ready`. */
  static start(name: string, options: unknown): Promise<BenchChild> {
    const path = fileURLToPath(new URL(`../children/${name}.ts`, import.meta.url));
    return BenchChild.startFile(path, options, process.execArgv);
  }

  /** Forks a compiled child (`.js`) with plain node: no tsx loader in the process. */
  static startCompiled(path: string, options: unknown): Promise<BenchChild> {
    return BenchChild.startFile(path, options, []);
  }

  private static async startFile(
    path: string,
    options: unknown,
    execArgv: readonly string[],
  ): Promise<BenchChild> {
    const child = fork(path, [JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...execArgv],
    });
    const ready = await new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null): void => {
        reject(new Error(`bench child ${path} exited with ${String(code)} before it was ready`));
      };
      child.once('exit', onExit);
      child.once('message', (message: ChildMessage) => {
        child.off('exit', onExit);
        if (message.type === 'ready') resolve(message);
        else reject(new Error(`bench child ${path} said ${message.type} first`));
      });
    });
    return new BenchChild(child, ready);
  }

  request(type: string, payload: Record<string, unknown> = {}): Promise<ChildMessage> {
    if (this.exited) return Promise.reject(new Error(`bench child is gone (${type})`));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...payload, type, id });
    });
  }

  async cpu(): Promise<CpuTime> {
    const answer = await this.request('cpu');
    return answer['usage'] as CpuTime;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) =>
      this.child.once('exit', () => {
        resolve();
      }),
    );
    // A child that said all it had to say has already closed its end of the channel.
    if (this.child.connected) this.child.send({ type: 'close', id: 0 }, () => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** Milliseconds of CPU between two readings. */
export function cpuMs(before: CpuTime, after: CpuTime): number {
  return (after.user - before.user + (after.system - before.system)) / 1000;
}

/** Serves `handle` over IPC in a child: `cpu` and `close` are answered here. */
export function serveChild(
  ready: Record<string, unknown>,
  handle: (message: ChildMessage) => Promise<Record<string, unknown>> | Record<string, unknown>,
  onClose: () => Promise<void>,
): void {
  process.on('message', (message: ChildMessage) => {
    void (async () => {
      if (message.type === 'close') {
        await onClose();
        process.disconnect();
        process.exit(0);
      }
      const answer = message.type === 'cpu' ? { usage: process.cpuUsage() } : await handle(message);
      process.send?.({ ...answer, type: message.type, id: message.id });
    })();
  });
  process.send?.({ ...ready, type: 'ready' });
}
