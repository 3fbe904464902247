import { LedgerClosedError } from '../../application/errors.js';

/**
 * Runs an in-memory twin's operations as the SQLite adapters do: asynchronously, a throw as a
 * rejection, and everything refused with LEDGER_CLOSED once closed.
 */
export class OpenGuard {
  private closed = false;

  run<T>(operation: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new LedgerClosedError());
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
