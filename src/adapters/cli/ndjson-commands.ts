import { createHash } from 'node:crypto';
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

export interface NdjsonReading {
  /** A line that is not JSON or not a command: reported, skipped. */
  readonly onBadLine: (bad: BadLine) => void;
  /** A line with nothing but white space: skipped, and said so. */
  readonly onBlankLine: (line: number) => void;
  /** The id of a command that has none (batch lines' deterministic ids); absent: a new UUID. */
  readonly defaultId?: (line: number) => string;
}

/**
 * Streams commands from NDJSON text, one per line, without holding it in memory. Every line is
 * accounted for: a command, a bad line or a blank line, each with its number.
 */
export async function* readNdjsonCommands(
  input: NodeJS.ReadableStream,
  transmitter: Transmitter,
  reading: NdjsonReading,
): AsyncGenerator<ParsedLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number += 1;
    if (text.trim() === '') {
      reading.onBlankLine(number);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      reading.onBadLine({ line: number, problem: `not JSON: ${(error as Error).message}` });
      continue;
    }
    try {
      yield { line: number, command: transmitter.parse(withDefaultId(value, number, reading)) };
    } catch (error) {
      if (!isGtxError(error)) throw error;
      reading.onBadLine({ line: number, problem: error.message });
    }
  }
}

function withDefaultId(value: unknown, line: number, reading: NdjsonReading): unknown {
  if (reading.defaultId === undefined) return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if ((value as { id?: unknown }).id !== undefined) return value;
  return { ...value, id: reading.defaultId(line) };
}

export function openNdjsonFile(path: string): NodeJS.ReadableStream {
  return createReadStream(path, { encoding: 'utf8' });
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

/** SHA-256 of the file's bytes, hex: the default batch id is derived from it. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
