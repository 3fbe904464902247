import {
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';
import { isGtxError } from '../../domain/index.js';
import { gtxTracer } from './gtx-tracer.js';

/**
 * Runs `work` inside a new span, child of `parent`, and ends the span when it settles; a
 * rejection marks the span as an error and passes on. `work` gets the span and the context to
 * parent further spans on.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  parent: Context,
  work: (span: Span, context: Context) => Promise<T>,
): Promise<T> {
  const span = gtxTracer().startSpan(name, options, parent);
  try {
    return await work(span, trace.setSpan(parent, span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Marks a span as failed with the error's stable code only: an error's message can quote what
 * the caller sent, and spans never hold content.
 */
export function markFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const type = isGtxError(error) ? error.code : error instanceof Error ? error.name : 'unknown';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
