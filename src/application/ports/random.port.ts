import type { ServiceIdentifier } from 'inversify';

/** The source of retry jitter; seeded in tests so backoff is reproducible. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
}

export const RANDOM: ServiceIdentifier<Random> = Symbol.for('gtx.Random');
