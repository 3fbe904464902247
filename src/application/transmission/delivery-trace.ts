import {
  context as otelContext,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { TransmissionCommand } from '../../domain/index.js';
import type { EventMetadata } from '../ports/index.js';
import { ATTRIBUTE, gtxTracer, SPAN } from '../tracing/gtx-tracer.js';
import { inSpan } from '../tracing/span-scope.js';
import { contextFromMetadata, traceMetadata, type TraceFields } from '../tracing/trace-metadata.js';
import type { LoadedTransmission } from './transmission-stream.js';

/**
 * The spans of one claimed transmission's delivery. Each `gtx.attempt` is a child of the
 * context recorded in the request event's metadata (the intake's span), wherever and whenever
 * the attempt runs: a retry an hour later, on another worker, continues the intake's trace.
 * The attempt span opens with the append of its `TransmissionAttemptStarted` and closes with
 * the append of its outcome; the transport's call runs inside it, so the SDK's HTTP span is
 * its child.
 */
export class DeliveryTrace {
  private parent: Context = ROOT_CONTEXT;
  private attempt: { readonly span: Span; readonly context: Context } | null = null;

  constructor(private readonly commandId: string) {}

  /** Continues the trace whose context the transmission's first event recorded. */
  continueFrom(metadata: EventMetadata | undefined): void {
    this.parent = contextFromMetadata(metadata);
  }

  /**
   * Appends one step in a `gtx.ledger.append` span; the step's events record the context they
   * were appended in (the attempt's, else the intake's), for the analytics feed's links.
   */
  async record(
    command: TransmissionCommand,
    loaded: LoadedTransmission,
    append: (trace: TraceFields) => Promise<LoadedTransmission>,
  ): Promise<LoadedTransmission> {
    if (command.type === 'StartAttempt') this.openAttempt(loaded.state.attempts + 1);
    const parent = this.attempt?.context ?? this.parent;
    const next = await inSpan(
      SPAN.ledgerAppend,
      { attributes: { [ATTRIBUTE.commandId]: this.commandId } },
      parent,
      async (span) => {
        const appended = await append(traceMetadata(parent));
        if (span.isRecording()) {
          span.setAttribute(ATTRIBUTE.streamVersion, appended.version);
          span.setAttribute(
            ATTRIBUTE.eventTypes,
            appended.events
              .slice(loaded.events.length)
              .map((event) => event.type)
              .join(','),
          );
        }
        return appended;
      },
    );
    if (command.type === 'RecordDelivery' || command.type === 'RecordFailure') {
      this.closeAttempt(command, next);
    }
    return next;
  }

  /** Runs the transport's call inside the attempt's span, so its own spans are children. */
  send<T>(call: () => Promise<T>): Promise<T> {
    return otelContext.with(this.attempt?.context ?? this.parent, call);
  }

  /**
   * Ends an attempt whose outcome was never recorded (the claim was lost, the worker stopped
   * like a crash): the next holder records it as interrupted, in an attempt of its own.
   */
  finish(): void {
    if (this.attempt === null) return;
    this.attempt.span.setAttribute(ATTRIBUTE.outcome, 'unrecorded');
    this.attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: 'ATTEMPT_UNRECORDED' });
    this.attempt.span.end();
    this.attempt = null;
  }

  private openAttempt(attempt: number): void {
    this.finish();
    const span = gtxTracer().startSpan(
      SPAN.attempt,
      { attributes: { [ATTRIBUTE.commandId]: this.commandId, [ATTRIBUTE.attempt]: attempt } },
      this.parent,
    );
    this.attempt = { span, context: trace.setSpan(this.parent, span) };
  }

  private closeAttempt(
    command: Extract<TransmissionCommand, { type: 'RecordDelivery' | 'RecordFailure' }>,
    next: LoadedTransmission,
  ): void {
    if (this.attempt === null) return;
    const { span } = this.attempt;
    this.attempt = null;
    const { status } = next.state;
    span.setAttribute(
      ATTRIBUTE.outcome,
      status === 'delivered' || status === 'deadLettered' ? status : 'retrying',
    );
    if (command.type === 'RecordFailure') {
      const { code, kind } = command.failure;
      if (code !== null) span.setAttribute(ATTRIBUTE.failureCode, code);
      span.setAttribute(ATTRIBUTE.failureKind, kind);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? kind });
    }
    span.end();
  }
}
