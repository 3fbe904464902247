import { map, type OperatorFunction } from 'rxjs';
import {
  contentOf,
  decide,
  initialState,
  type TransmissionEvent,
  type Violation,
} from '../../../domain/index.js';
import { validateCommand, type CompiledPolicy } from '../../../domain/policies/index.js';
import type { ParsedCommand } from '../../commands/parsed-command.js';
import { contentSha256 } from '../content-hash.js';

export interface ValidatedCommand {
  readonly command: ParsedCommand;
  /** Every rule the command breaks, each with a stable code; empty when it may be sent. */
  readonly violations: readonly Violation[];
  readonly contentSha256: string;
}

export interface DecidedRequest extends ValidatedCommand {
  /** `TransmissionRequested`, or `TransmissionRejected` with the violations. */
  readonly events: readonly TransmissionEvent[];
}

/** Judges each parsed command by the policies, collecting every violation. */
export function validateCommands(
  policy: CompiledPolicy,
): OperatorFunction<ParsedCommand, ValidatedCommand> {
  return map((command) => ({
    command,
    violations: validateCommand(command, policy),
    contentSha256: contentSha256(contentOf(command)),
  }));
}

/** The decider's answer to a validated command: the events that open its transmission. */
export function decideRequests(
  nowMs: () => number,
): OperatorFunction<ValidatedCommand, DecidedRequest> {
  return map((validated) => ({
    ...validated,
    events: decide(
      {
        type: 'RequestTransmission',
        command: validated.command,
        violations: validated.violations,
        contentSha256: validated.contentSha256,
        nowMs: nowMs(),
      },
      initialState,
    ),
  }));
}
