/** What the tests read off a thrown error: its stable code, and the rest they check. */
export interface Thrown {
  readonly code?: string;
  readonly message?: string;
  readonly details?: unknown;
}

/** What `run` throws; a `run` that returns fails the test. */
export function thrownBy(run: () => unknown): Thrown {
  try {
    run();
  } catch (error) {
    return error as Thrown;
  }
  throw new Error('expected a throw');
}

/** What `promise` rejects with; a promise that resolves fails the test. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Thrown> {
  try {
    await promise;
  } catch (error) {
    return error as Thrown;
  }
  throw new Error('expected a rejection');
}
