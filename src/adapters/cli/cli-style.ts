/**
 * Colour for a person at a terminal, never for a pipe: on when the stream is a TTY, off when
 * NO_COLOR is set (https://no-color.org), and FORCE_COLOR (not 0) switches it on anywhere.
 */
import type { CliIo } from './cli-io.js';

export interface Style {
  readonly enabled: boolean;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export function colourEnabled(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  return stream.isTTY === true;
}

function sgr(enabled: boolean, open: number, close: number): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export function styleOf(stream: { isTTY?: boolean }, io: Pick<CliIo, 'env'>): Style {
  const enabled = colourEnabled(stream, io.env);
  return {
    enabled,
    green: sgr(enabled, 32, 39),
    yellow: sgr(enabled, 33, 39),
    red: sgr(enabled, 31, 39),
    bold: sgr(enabled, 1, 22),
    dim: sgr(enabled, 2, 22),
  };
}

const OUTCOME_WORDS: readonly (readonly [string, keyof Omit<Style, 'enabled' | 'bold' | 'dim'>])[] =
  [
    ['delivered', 'green'],
    ['rejected', 'yellow'],
    ['dead-lettered', 'red'],
    ['refused', 'red'],
  ];

/** The outcome word that starts a line of `describeOutcome` (after an optional `line N: `), coloured. */
export function paintOutcome(line: string, style: Style): string {
  if (!style.enabled) return line;
  const match = /^(line \d+: )?(\S+)/.exec(line);
  const word = match?.[2] ?? '';
  const colour = OUTCOME_WORDS.find(([name]) => name === word)?.[1];
  if (colour === undefined) return line;
  const prefix = match?.[1] ?? '';
  return `${prefix}${style[colour](word)}${line.slice(prefix.length + word.length)}`;
}
