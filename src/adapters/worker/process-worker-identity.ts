import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { WorkerIdentity } from '../../application/ports/worker-identity.port.js';

const SEPARATOR = '/';

/**
 * A worker id of the form `host/pid/random`: readable in the ledger's claims and in logs, and
 * enough to tell that a claim's owner on this host has exited (a crash or SIGKILL), so a
 * restarted batch job or service resumes its work at once instead of waiting out the lease.
 */
export class ProcessWorkerIdentity implements WorkerIdentity {
  readonly id: string;
  private readonly host = hostname();

  constructor(
    private readonly isRunning: (pid: number) => boolean = processIsRunning,
    pid: number = process.pid,
  ) {
    this.id = [this.host, String(pid), randomUUID().slice(0, 8)].join(SEPARATOR);
  }

  isGone(owner: string): boolean {
    const parts = owner.split(SEPARATOR);
    if (parts.length !== 3 || parts[0] !== this.host || owner === this.id) return false;
    const pid = Number(parts[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) return false;
    // Another worker of this very process (two transmitters in one program) is not gone.
    if (pid === process.pid) return false;
    return !this.isRunning(pid);
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fixed identity for tests and embedded twins: nobody is ever known to be gone. */
export class FixedWorkerIdentity implements WorkerIdentity {
  constructor(readonly id: string) {}

  isGone(): boolean {
    return false;
  }
}
