import { randomInt } from 'node:crypto';
import { injectable } from 'inversify';
import type { Random } from '../../application/ports/index.js';

@injectable()
export class CryptoRandom implements Random {
  next(): number {
    return randomInt(0, 2 ** 48 - 1) / 2 ** 48;
  }
}

/** mulberry32: small, fast and reproducible, for tests and seeded benchmarks. */
export class SeededRandom implements Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
