import type { TransportFailure } from '../../../domain/index.js';
import { abortedFailure, connectionLost, noAnswer, type WaitResult } from './guest-connection.js';
import { localFailure, serverFailure, SESSION_GONE_CODES } from './web-messaging-failures.js';
import type { ServerFrame } from './web-messaging-protocol.js';

/** One step of a send: its value, or why it failed and whether the session is gone (4006/4007). */
export type Step<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: TransportFailure; readonly sessionGone?: boolean };

export function tracingOf(frame: ServerFrame): string | null {
  return 'tracingId' in frame ? frame.tracingId : null;
}

/** The awaited frame, or the failure for a closed socket, a missing answer or an abort. */
export function frameOf(answer: WaitResult, what: string): Step<ServerFrame> {
  switch (answer.kind) {
    case 'frame':
      return { ok: true, value: answer.frame };
    case 'closed':
      return { ok: false, failure: connectionLost() };
    case 'timeout':
      return { ok: false, failure: noAnswer(what) };
    case 'aborted':
      return { ok: false, failure: abortedFailure() };
  }
}

/** A frame that is not the answer: a server error (maybe ending the session) or a surprise. */
export function errorStep(frame: ServerFrame): Step<never> {
  if (frame.kind === 'error') {
    return {
      ok: false,
      failure: serverFailure(frame.code, frame.message),
      sessionGone: SESSION_GONE_CODES.has(frame.code),
    };
  }
  return {
    ok: false,
    failure: localFailure(
      'transient',
      'WEB_MESSAGING_UNEXPECTED_FRAME',
      `unexpected ${frame.kind} frame`,
    ),
  };
}
