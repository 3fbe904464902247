import { context, ROOT_CONTEXT, SpanKind, type Attributes } from '@opentelemetry/api';
import { interval } from 'rxjs';
import { isGtxError } from '../../domain/index.js';
import type { InputProblem } from '../commands/command-input.js';
import type { ParsedCommand } from '../commands/parsed-command.js';
import type { BrokerDelivery, Clock, Logger } from '../ports/index.js';
import type { Transmitter } from '../transmitter.js';
import { readBrokerBody } from './broker-body.js';
import { ConversationGate } from './conversation-gate.js';
import type { MutableIntakeCounts } from './intake-counts.js';
import { retryDelay, type IntakeSettings } from './intake-settings.js';
import { KeyedSequence } from './keyed-sequence.js';
import type { NoticePublication } from './notice-publication.js';
import { intakeFailureNotice } from './outcome-notice.js';
import { SPAN } from '../tracing/gtx-tracer.js';
import { inSpan } from '../tracing/span-scope.js';
import { contextFromHeaders } from '../tracing/trace-metadata.js';

// Messaging semantic conventions, not yet stable in @opentelemetry/semantic-conventions.
const ATTR_MESSAGING_SYSTEM = 'messaging.system';
const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
const ATTR_MESSAGING_REDELIVERIES = 'gtx.broker.redelivery_count';

/** The part of the transmitter an intake uses. */
export type IntakeTransmitter = Pick<Transmitter, 'accept' | 'outcome' | 'recordIntakeFailure'>;

export interface DeliveryHandlerDependencies {
  readonly transmitter: IntakeTransmitter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The source's scheme (`nats`, `amqp`): the prefix of derived command ids. */
  readonly scheme: string;
  /** The source's redelivery deadline: `working()` is sent three times within it. */
  readonly ackDeadlineMs: number | null;
  readonly notices: NoticePublication | null;
  readonly counts: MutableIntakeCounts;
}

/** The ledger cannot record now; it will later. */
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  'LEDGER_UNAVAILABLE',
  'LEDGER_READ_ONLY',
  'LEDGER_CLOSED',
  'TRANSMITTER_CLOSED',
]);
/** The ledger can never store this command: an intake failure, like a body that is not one. */
const UNSTORABLE_CODES: ReadonlySet<string> = new Set([
  'LEDGER_INVALID_EVENT',
  'NOT_CANONICAL_JSON',
  // The id is an idempotency key the ledger holds for another command: never redeliver it.
  'COMMAND_ID_REUSED',
]);

function codeOf(error: unknown): string {
  return isGtxError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
}

/**
 * What the intake does with one delivery, answering it exactly once:
 * - a command is recorded (accepted, or rejected by the policies), and only once the append
 *   is committed is it acknowledged; a command already in the ledger is acknowledged as is;
 * - a body that is not a command is recorded as an intake failure, then terminated;
 * - when the ledger cannot record, the delivery goes back to the broker with a delay (nak), and
 *   so do later commands of its conversation until it is recorded: nothing is acknowledged
 *   that is not in the ledger, and a conversation's order holds.
 * While a delivery waits (a slow append, its conversation's turn), its ack deadline is pushed back.
 */
export class DeliveryHandler {
  private readonly sequence = new KeyedSequence();
  private readonly gate: ConversationGate;

  constructor(
    private readonly deps: DeliveryHandlerDependencies,
    private readonly settings: IntakeSettings,
  ) {
    this.gate = new ConversationGate(settings.orderHoldExpiryMs);
  }

  /**
   * Handles one delivery in a CONSUMER span (`gtx.broker.delivery`), child of the W3C trace
   * context the publisher put in the message's headers, so the command's intake and delivery
   * continue the publisher's trace.
   */
  handle(delivery: BrokerDelivery): Promise<void> {
    const parent = contextFromHeaders(ROOT_CONTEXT, delivery.traceHeaders ?? {});
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: this.deps.scheme,
      [ATTR_MESSAGING_REDELIVERIES]: delivery.redeliveryCount,
    };
    if (delivery.messageId !== null) attributes[ATTR_MESSAGING_MESSAGE_ID] = delivery.messageId;
    return inSpan(
      SPAN.brokerDelivery,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
      (_span, handling) => context.with(handling, () => this.handleTraced(delivery)),
    );
  }

  private async handleTraced(delivery: BrokerDelivery): Promise<void> {
    this.deps.counts.received += 1;
    const heartbeat = this.keepAlive(delivery);
    try {
      const reading = readBrokerBody(delivery.body, {
        maxBytes: this.settings.maxBodyBytes,
        derivedCommandId:
          delivery.messageId === null ? null : `${this.deps.scheme}:${delivery.messageId}`,
        missingIdReason: `is required: the ${this.deps.scheme} message has no message id to derive one from`,
      });
      if (!reading.ok) {
        await this.refuse(delivery, reading.problems);
        return;
      }
      const { command } = reading;
      await this.sequence.run(command.conversationRef, () => this.record(delivery, command));
    } finally {
      heartbeat.unsubscribe();
    }
  }

  /** Conversations waiting for a command of theirs to come back from the broker. */
  heldConversations(): number {
    return this.gate.size();
  }

  private async record(delivery: BrokerDelivery, command: ParsedCommand): Promise<void> {
    const { commandId, conversationRef } = command;
    const now = this.deps.clock.now();
    if (!this.gate.admits(conversationRef, commandId, now)) {
      // An earlier command of the conversation is back at the broker: this one waits its turn.
      this.gate.hold(conversationRef, commandId, now);
      this.deps.counts.retried += 1;
      await this.answer(delivery, 'nak', () => delivery.nak(this.settings.retryDelayMs));
      return;
    }
    let accepted;
    try {
      accepted = await this.deps.transmitter.accept(command);
    } catch (error) {
      await this.notRecorded(delivery, command, error);
      return;
    }
    this.gate.release(conversationRef, commandId);
    await this.answer(delivery, 'ack', () => delivery.ack());
    const duplicate =
      accepted.status === 'accepted' ? accepted.duplicate : accepted.outcome.duplicate;
    if (duplicate) this.deps.counts.duplicates += 1;
    else {
      this.deps.counts.recorded += 1;
      if (accepted.status === 'final' && accepted.outcome.status === 'rejected') {
        this.deps.counts.rejected += 1;
      }
    }
    this.deps.logger.debug('broker command recorded', {
      commandId,
      brokerMessageId: delivery.messageId,
      duplicate,
    });
    this.deps.notices?.afterRecorded(accepted, delivery.messageId);
  }

  private async notRecorded(
    delivery: BrokerDelivery,
    command: ParsedCommand,
    error: unknown,
  ): Promise<void> {
    const code = codeOf(error);
    const outage = OUTAGE_CODES.has(code);
    const tooOften = !outage && delivery.redeliveryCount >= this.settings.maxUnexpectedRedeliveries;
    if (UNSTORABLE_CODES.has(code) || tooOften) {
      await this.refuse(delivery, [{ field: '', message: `cannot be recorded (${code})` }]);
      return;
    }
    const delayMs = retryDelay(this.settings, delivery.redeliveryCount);
    this.gate.hold(command.conversationRef, command.commandId, this.deps.clock.now());
    this.deps.counts.retried += 1;
    const fields = {
      commandId: command.commandId,
      brokerMessageId: delivery.messageId,
      code,
      delayMs,
    };
    if (outage) this.deps.logger.warn('ledger cannot record: delivery back to the broker', fields);
    else this.deps.logger.error('command not recorded: delivery back to the broker', fields);
    await this.answer(delivery, 'nak', () => delivery.nak(delayMs));
  }

  /** Records the failure (once per broker message id), then terminates the message. */
  private async refuse(delivery: BrokerDelivery, problems: readonly InputProblem[]): Promise<void> {
    let recorded;
    try {
      recorded = await this.deps.transmitter.recordIntakeFailure({
        source: this.deps.scheme,
        brokerMessageId: delivery.messageId,
        redeliveryCount: delivery.redeliveryCount,
        body: delivery.body,
        problems,
      });
    } catch (error) {
      // Not recorded, so not terminated: it comes back and is recorded then.
      const delayMs = retryDelay(this.settings, delivery.redeliveryCount);
      this.deps.counts.retried += 1;
      this.deps.logger.warn('intake failure not recorded: delivery back to the broker', {
        brokerMessageId: delivery.messageId,
        code: codeOf(error),
        delayMs,
      });
      await this.answer(delivery, 'nak', () => delivery.nak(delayMs));
      return;
    }
    const reason = problems
      .slice(0, 3)
      .map((p) => `${p.field || '/'} ${p.message}`)
      .join('; ');
    await this.answer(delivery, 'term', () => delivery.term(`not a command: ${reason}`));
    if (!recorded.duplicate) this.deps.counts.intakeFailures += 1;
    this.deps.logger.warn('broker message is not a command: recorded and terminated', {
      brokerMessageId: delivery.messageId,
      bodySha256: recorded.bodySha256,
      problems: problems.length,
      duplicate: recorded.duplicate,
    });
    this.deps.notices?.publishNow(
      intakeFailureNotice({
        brokerMessageId: delivery.messageId,
        bodySha256: recorded.bodySha256,
        problems: recorded.problems,
      }),
    );
  }

  /** An answer the broker does not take is logged: the broker redelivers, the ledger dedupes. */
  private async answer(
    delivery: BrokerDelivery,
    kind: 'ack' | 'nak' | 'term',
    send: () => Promise<void>,
  ): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.deps.counts.answerFailures += 1;
      this.deps.logger.warn(`broker did not take the ${kind}: it will redeliver`, {
        brokerMessageId: delivery.messageId,
        code: codeOf(error),
      });
    }
  }

  private keepAlive(delivery: BrokerDelivery): { unsubscribe(): void } {
    const deadline = this.deps.ackDeadlineMs;
    if (deadline === null) return { unsubscribe: () => undefined };
    return interval(Math.max(1, Math.floor(deadline / 3)), this.deps.clock.scheduler).subscribe(
      () => {
        delivery.working().catch((error: unknown) => {
          this.deps.logger.debug('working() not taken by the broker', {
            brokerMessageId: delivery.messageId,
            code: codeOf(error),
          });
        });
      },
    );
  }
}
