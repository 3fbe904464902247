import type { LogFields, Logger } from '../../application/ports/index.js';

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

/** Keeps every record, so tests can assert on what was (and was not) logged. */
export class InMemoryLogger implements Logger {
  constructor(
    readonly records: LogRecord[] = [],
    private readonly context: LogFields = {},
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.push('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.push('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.push('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.push('error', message, fields);
  }

  child(fields: LogFields): Logger {
    return new InMemoryLogger(this.records, { ...this.context, ...fields });
  }

  private push(level: LogRecord['level'], message: string, fields: LogFields = {}): void {
    this.records.push({ level, message, fields: { ...this.context, ...fields } });
  }
}
