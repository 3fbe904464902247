import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { errorFrame, errorText, responseFrame } from './web-messaging-frames.js';
import type { ServerFrame } from './web-messaging-frames.js';
import type { Connection, MutableStats, Session } from './web-messaging-settings.js';

/** How the sandbox talks back to guests: answers, error frames, pushed events, dropped sockets. */
export class GuestReplies {
  constructor(
    private readonly counters: MutableStats,
    private readonly closing: AbortSignal,
  ) {}

  answer(connection: Connection, frame: ServerFrame): void {
    this.send(connection.socket, frame);
  }

  error(
    connection: Connection,
    code: number,
    tracingId: string | null,
    text: string = errorText(code),
  ): void {
    this.counters.errors += 1;
    this.answer(connection, errorFrame(code, text, tracingId));
  }

  drop(connection: Connection): void {
    this.counters.dropped += 1;
    connection.socket.terminate();
  }

  /** An event frame to whatever socket the session is on now, if any. */
  push(session: Session, className: string, body: unknown): void {
    if (session.socket !== null)
      this.send(session.socket, responseFrame(className, body, null, 'message'));
  }

  send(socket: WebSocket, frame: ServerFrame): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  /** Rejects when the sandbox closes, so a delayed answer never outlives it. */
  async delay(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.closing, ref: false });
  }
}
