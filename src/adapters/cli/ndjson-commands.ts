import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isGtxError } from '../../domain/index.js';
import type { ParsedCommand } from '../../application/commands/parsed-command.js';
import type { Transmitter } from '../../application/transmitter.js';

export interface BadLine {
  readonly line: number;
  readonly problem: string;
}

export interface ParsedLine {
  readonly line: number;
  readonly command: ParsedCommand;
}

/**
 * Streams commands from an NDJSON file, one per line, without holding the file in memory. A
 * line that is not JSON or not a command is reported through `onBadLine` and skipped.
 */
export async function* readNdjsonCommands(
  path: string,
  transmitter: Transmitter,
  onBadLine: (bad: BadLine) => void,
): AsyncGenerator<ParsedLine> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let number = 0;
  for await (const text of lines) {
    number += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      onBadLine({ line: number, problem: `not JSON: ${(error as Error).message}` });
      continue;
    }
    try {
      yield { line: number, command: transmitter.parse(value) };
    } catch (error) {
      if (!isGtxError(error)) throw error;
      onBadLine({ line: number, problem: error.message });
    }
  }
}

/** Counts lines with a fast byte scan, for the progress bar's total. */
export async function countLines(path: string): Promise<number> {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    for (const byte of bytes) if (byte === 10) count += 1;
    last = bytes.at(-1) ?? last;
  }
  return last === 10 ? count : count + 1;
}
