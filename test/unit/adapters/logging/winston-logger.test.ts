import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WinstonLogger, type LogLevel } from '../../../../src/adapters/logging/winston-logger.js';

function written(level: LogLevel, log: (logger: ReturnType<typeof WinstonLogger.create>) => void) {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n')));
  log(WinstonLogger.create({ level, stream }));
  return lines
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const everyLevel = (logger: ReturnType<typeof WinstonLogger.create>): void => {
  logger.debug('d', { n: 1 });
  logger.info('i', { n: 2 });
  logger.warn('w', { n: 3 });
  logger.error('e', { n: 4 });
  logger.child({ commandId: 'c-1' }).debug('child d');
  logger.child({ commandId: 'c-1' }).info('child i');
};

describe('winston logger', () => {
  it('writes the levels at and above its own, as JSON with the fields', () => {
    const info = written('info', everyLevel);
    expect(info.map((entry) => entry.message)).toEqual(['i', 'w', 'e', 'child i']);
    expect(info[0]).toMatchObject({ level: 'info', n: 2, service: 'genesys-transmitter' });
    expect(info[3]).toMatchObject({ commandId: 'c-1' });
    expect(written('debug', everyLevel).map((entry) => entry.message)).toEqual([
      'd',
      'i',
      'w',
      'e',
      'child d',
      'child i',
    ]);
    expect(written('error', everyLevel).map((entry) => entry.message)).toEqual(['e']);
  });

  it('writes nothing when silent', () => {
    expect(written('silent', everyLevel)).toEqual([]);
  });
});
