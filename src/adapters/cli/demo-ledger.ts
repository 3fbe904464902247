import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GtxError } from '../../domain/index.js';

export interface DemoLedger {
  /** The ledger file of this run; its key file sits beside it. */
  readonly path: string;
  /** Lets the next demo replace this one's files. */
  release(): void;
}

/** Files of the earlier demos, which each made a new ledger in the temp folder. */
const OLD_DEMO_FILE = /^gtx-demo-\d{8}T\d{6}\.db(?:\.key|-wal|-shm)?$/;
const LEDGER_FILES = ['ledger.db', 'ledger.db-wal', 'ledger.db-shm', 'ledger.db.key'];

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock file, or says who holds it; a lock whose process is gone is taken over. */
function lock(path: string): void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new GtxError(
        'DEMO_BUSY',
        `another gtx demo (pid ${holder}) is using ${path}: wait for it, or pass --ledger PATH to run beside it`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new GtxError('DEMO_BUSY', `cannot take the demo lock ${path}`);
}

/**
 * The demo's default ledger: one place per user in the temp folder, replaced by each run, so
 * demos do not pile up ledgers and master keys there while the last one stays to be looked at
 * (`gtx status ID --ledger PATH`). Ledgers the earlier demos left behind are removed too.
 */
export function replaceDemoLedger(temp = tmpdir()): DemoLedger {
  const dir = join(temp, `gtx-demo-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockPath = join(dir, 'demo.lock');
  lock(lockPath);
  for (const name of LEDGER_FILES) rmSync(join(dir, name), { force: true });
  for (const name of readdirSync(temp)) {
    if (OLD_DEMO_FILE.test(name)) rmSync(join(temp, name), { force: true });
  }
  return {
    path: join(dir, 'ledger.db'),
    release: () => {
      rmSync(lockPath, { force: true });
    },
  };
}
