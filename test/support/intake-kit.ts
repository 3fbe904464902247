/**
 * What the broker intake tests share: the commands they publish, and how they read the ledger
 * back ("exactly once" is one TransmissionRequested or TransmissionRejected per command id).
 */
import type { RecordedEvent } from '../../src/application/ports/index.js';
import { COMMAND_INTAKE_FAILED } from '../../src/application/intake/intake-failure-stream.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';

/** A message of conversation `c`, number `m`, with its own id: `c003-m007`. */
export function commandId(conversation: number, index: number): string {
  return `c${String(conversation).padStart(3, '0')}-m${String(index).padStart(3, '0')}`;
}

export function messageBody(
  conversation: number,
  index: number,
  options: { withId?: boolean; text?: string } = {},
): string {
  return JSON.stringify({
    ...(options.withId === false ? {} : { id: commandId(conversation, index) }),
    guest: { id: `guest-${String(conversation)}` },
    conversation: `conversation-${String(conversation)}`,
    text: options.text ?? `message ${String(index)} of conversation ${String(conversation)}`,
  });
}

/** Bodies that are not commands, the 1 MB one included. */
export function poisonBodies(): readonly string[] {
  return [
    'this is not JSON',
    '{"guest": {"id": 42}, "text": "wrong type"}',
    '["an", "array"]',
    JSON.stringify({ guest: { id: 'g' }, text: 'x', unknownField: true }),
    'y'.repeat(1_000_000),
  ];
}

export interface LedgerCounts {
  /** TransmissionRequested or TransmissionRejected per command id. */
  readonly recordedPerCommand: ReadonlyMap<string, number>;
  readonly requested: number;
  readonly rejected: number;
  readonly delivered: ReadonlySet<string>;
  readonly intakeFailures: readonly RecordedEvent[];
}

export function countLedger(events: readonly RecordedEvent[]): LedgerCounts {
  const recordedPerCommand = new Map<string, number>();
  const delivered = new Set<string>();
  let requested = 0;
  let rejected = 0;
  for (const event of events) {
    const id = event.metadata.commandId ?? '';
    if (event.type === 'TransmissionRequested' || event.type === 'TransmissionRejected') {
      recordedPerCommand.set(id, (recordedPerCommand.get(id) ?? 0) + 1);
      if (event.type === 'TransmissionRequested') requested += 1;
      else rejected += 1;
    }
    if (event.type === 'TransmissionDelivered')
      delivered.add(event.streamId.slice('transmission-'.length));
  }
  return {
    recordedPerCommand,
    requested,
    rejected,
    delivered,
    intakeFailures: events.filter((event) => event.type === COMMAND_INTAKE_FAILED),
  };
}

/** Command ids recorded more than once (should be none). */
export function recordedTwice(counts: LedgerCounts): string[] {
  return [...counts.recordedPerCommand].filter(([, n]) => n !== 1).map(([id]) => id);
}

/** The messages the sandbox accepted for one conversation, in the order it accepted them. */
export function receivedOrder(sandbox: RunningSandbox, conversation: number): string[] {
  const prefix = `c${String(conversation).padStart(3, '0')}-`;
  return sandbox
    .received()
    .filter((r) => r.endpoint === 'message' && (r.messageId ?? '').startsWith(prefix))
    .map((r) => r.messageId ?? '');
}

export function expectedOrder(conversation: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => commandId(conversation, index));
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  intervalMs = 50,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
