import type { OutboundCommand } from '../../domain/index.js';

declare const parsedBrand: unique symbol;

/**
 * A command that came out of the input parser: its shape was checked, so only the policies are
 * left to judge it. The brand cannot be written by hand: a plain object with the right fields is
 * still untrusted input and goes through the parser.
 */
export type ParsedCommand = OutboundCommand & { readonly [parsedBrand]: true };

const parsed = new WeakSet<object>();

/** Marks a command the parser built. Only `command-input.ts` calls this. */
export function brandParsed<C extends OutboundCommand>(command: C): C & ParsedCommand {
  parsed.add(command);
  return command as C & ParsedCommand;
}

export function isParsedCommand(value: unknown): value is ParsedCommand {
  return typeof value === 'object' && value !== null && parsed.has(value);
}
