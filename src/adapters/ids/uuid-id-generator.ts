import { randomUUID } from 'node:crypto';
import { injectable } from 'inversify';
import type { IdGenerator } from '../../application/ports/index.js';

@injectable()
export class UuidIdGenerator implements IdGenerator {
  newId(): string {
    return randomUUID();
  }
}

/** Predictable ids for tests: prefix-1, prefix-2, … */
export class SequentialIdGenerator implements IdGenerator {
  private counter = 0;
  constructor(private readonly prefix = 'id') {}

  newId(): string {
    this.counter += 1;
    return `${this.prefix}-${this.counter}`;
  }
}
