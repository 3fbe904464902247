import type { ServiceIdentifier } from 'inversify';

/**
 * Structured fields only. Never put message text, tokens or secrets here: identify a message
 * by its command id and content hash.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export const LOGGER: ServiceIdentifier<Logger> = Symbol.for('gtx.Logger');
