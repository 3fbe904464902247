import {
  InvalidCommandInputError,
  parseCommandInput,
  type InputProblem,
} from '../commands/command-input.js';
import type { ParsedCommand } from '../commands/parsed-command.js';
import type { IdGenerator } from '../ports/index.js';

/**
 * A broker message body is one command, exactly as an NDJSON line of `gtx send --file` or the
 * body of one HTTP intake request: UTF-8 JSON, `kind` defaulting to `message`.
 */
export type BodyReading =
  | { readonly ok: true; readonly command: ParsedCommand }
  | { readonly ok: false; readonly problems: readonly InputProblem[] };

export interface BodyReadingOptions {
  /** Larger bodies are refused unread. */
  readonly maxBytes: number;
  /**
   * The command id of a body without `id`, derived from the broker's message id so that a
   * redelivery maps to the same command; null when the broker gives no message id.
   */
  readonly derivedCommandId: string | null;
  /** Why there is no derived id, for the problem reported when the body has no `id` either. */
  readonly missingIdReason: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body never reaches `parseCommandInput` without an id, so its generator is never asked; a
 * random id here would make every redelivery a new command.
 */
const NO_GENERATED_IDS: IdGenerator = {
  newId: () => {
    throw new Error('a broker command must carry its id or have one derived');
  },
};

function problem(field: string, message: string): BodyReading {
  return { ok: false, problems: [{ field, message }] };
}

/**
 * V8's JSON.parse messages quote the input around the error: only the position is kept, so no
 * body content reaches a log or the ledger.
 */
function notJson(error: unknown): BodyReading {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return problem('', position === undefined ? 'is not JSON' : `is not JSON (at byte ${position})`);
}

/** Reads one broker message body as a command, or says every way it is not one. */
export function readBrokerBody(body: Uint8Array, options: BodyReadingOptions): BodyReading {
  if (body.byteLength > options.maxBytes) {
    return problem('', `is ${body.byteLength} bytes, over the limit of ${options.maxBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return problem('', 'is not UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return notJson(error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem('', 'must be a JSON object (one command)');
  }
  const input = value as Record<string, unknown>;
  const id = input['id'];
  if (id === undefined || id === null) {
    if (options.derivedCommandId === null) return problem('/id', options.missingIdReason);
    input['id'] = options.derivedCommandId;
  }
  try {
    return { ok: true, command: parseCommandInput(input, NO_GENERATED_IDS) };
  } catch (error) {
    if (error instanceof InvalidCommandInputError) return { ok: false, problems: error.problems };
    throw error;
  }
}
