import type { ServiceIdentifier } from 'inversify';

export interface IdGenerator {
  /** A new unique id (UUID v4 in production). */
  newId(): string;
}

export const ID_GENERATOR: ServiceIdentifier<IdGenerator> = Symbol.for('gtx.IdGenerator');
