import winston from 'winston';
import type { LogFields, Logger } from '../../application/ports/index.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'silent';

export interface WinstonLoggerOptions {
  readonly level: LogLevel;
  /** Defaults to standard error, so a command's own output on standard out stays clean. */
  readonly stream?: NodeJS.WritableStream;
}

/** JSON lines on one stream; the port keeps winston out of the core. */
export class WinstonLogger implements Logger {
  private constructor(private readonly inner: winston.Logger) {}

  static create(options: WinstonLoggerOptions): WinstonLogger {
    const silent = options.level === 'silent';
    const transport = new winston.transports.Stream({ stream: options.stream ?? process.stderr });
    const inner = winston.createLogger({
      level: silent ? 'error' : options.level,
      silent,
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      defaultMeta: { service: 'genesys-transmitter' },
      // winston's own Stream transport, typed as a plain object in its declarations.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
      transports: [transport],
    });
    return new WinstonLogger(inner);
  }

  debug(message: string, fields?: LogFields): void {
    if (this.enabled('debug')) this.inner.debug(message, fields);
  }

  info(message: string, fields?: LogFields): void {
    if (this.enabled('info')) this.inner.info(message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    if (this.enabled('warn')) this.inner.warn(message, fields);
  }

  error(message: string, fields?: LogFields): void {
    if (this.enabled('error')) this.inner.error(message, fields);
  }

  /**
   * winston builds the entry and pushes it through its stream before its level filter drops
   * it; the pipeline logs at debug on every attempt, so a level that is off is checked first.
   */
  private enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return !this.inner.silent && this.inner.isLevelEnabled(level);
  }

  child(fields: LogFields): Logger {
    return new WinstonLogger(this.inner.child(fields));
  }
}
