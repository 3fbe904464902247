// Why over 400 lines: the socket, the session and the waiters of one guest share one lifecycle
// (open, configure, answer, drop, reconnect); splitting them would spread that state machine
// over files that each see half of it.
import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { Clock, Logger } from '../../../application/ports/index.js';
import { sleep, SleepAbortedError } from '../../../application/timing.js';
import { epochMsToIso, type TransportFailure } from '../../../domain/index.js';
import type { GuestSessionStore } from './guest-session-store.js';
import { GuestPacer } from './guest-pacer.js';
import { localFailure, serverFailure, SESSION_GONE_CODES } from './web-messaging-failures.js';
import type { ResolvedWebMessagingOptions } from './web-messaging-options.js';
import {
  parseServerFrame,
  type ClientFrame,
  type ServerFrame,
  type SessionLimits,
} from './web-messaging-protocol.js';

export type WaitResult =
  | { readonly kind: 'frame'; readonly frame: ServerFrame }
  | { readonly kind: 'closed' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' };

interface Waiter {
  readonly matches: (frame: ServerFrame) => boolean;
  readonly settle: (result: WaitResult) => void;
}

export type Readiness =
  | { readonly ok: true; readonly limits: SessionLimits }
  | { readonly ok: false; readonly failure: TransportFailure };

export interface GuestConnectionDeps {
  readonly options: ResolvedWebMessagingOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: GuestSessionStore;
  /** Hears each Outbound StructuredMessage (an agent's reply) the server sends this guest. */
  readonly onAgentFrame?: (id: string, body: Readonly<Record<string, unknown>>) => void;
}

function tracingOf(frame: ServerFrame): string | null {
  return 'tracingId' in frame ? frame.tracingId : null;
}

/**
 * One guest's WebSocket and Web Messaging session. The session token comes from the store (so a
 * restart resumes the session) or is made here and stored before it is first used; it never
 * leaves this object except on the socket. Frames are answered through waiters keyed by
 * `tracingId`; a dropped socket settles every waiter as `closed` and the next use reconnects.
 */
export class GuestConnection {
  readonly pacer: GuestPacer;
  /** Sends using this connection right now: a busy connection is never evicted. */
  active = 0;
  lastUsedMs: number;
  private socket: WebSocket | null = null;
  private opening: Promise<Readiness> | null = null;
  private limits: SessionLimits | null = null;
  private token: string | null = null;
  private readonly waiters = new Set<Waiter>();
  private awaitingPong = false;
  private failedConnects = 0;
  private closed = false;
  private sessionGone = false;

  constructor(
    /** `guestSessionKey(deploymentId, guestId)`: safe to log. */
    readonly key: string,
    private readonly deps: GuestConnectionDeps,
  ) {
    this.pacer = new GuestPacer(deps.options.messageGapMs, deps.clock);
    this.lastUsedMs = deps.clock.now();
  }

  isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN && this.limits !== null;
  }

  /** Opens the socket and configures (or resumes) the session, reconnecting with backoff. */
  ready(signal: AbortSignal): Promise<Readiness> {
    if (this.isOpen() && this.limits !== null && !this.sessionGone) {
      return Promise.resolve({ ok: true, limits: this.limits });
    }
    this.opening ??= this.open(signal).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  /** The session expired or was not found: a new token and a new session, stored first. */
  renewSession(signal: AbortSignal): Promise<Readiness> {
    this.sessionGone = true;
    this.dropSocket();
    return this.ready(signal);
  }

  /** Sends a frame built with the session token; false when the socket is not open. */
  send(build: (token: string) => ClientFrame): boolean {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN || this.token === null) return false;
    socket.send(JSON.stringify(build(this.token)));
    return true;
  }

  /** Waits for the first frame `matches` accepts; register before sending what it answers. */
  waitFor(
    matches: (frame: ServerFrame) => boolean,
    signal: AbortSignal,
    timeoutMs = this.deps.options.answerTimeoutMs,
  ): { readonly result: Promise<WaitResult>; readonly cancel: () => void } {
    const timer = new AbortController();
    let waiter: Waiter | undefined;
    const result = new Promise<WaitResult>((resolve) => {
      const settle = (value: WaitResult): void => {
        if (waiter !== undefined) this.waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
        timer.abort();
        resolve(value);
      };
      const onAbort = (): void => {
        settle({ kind: 'aborted' });
      };
      waiter = { matches, settle };
      if (signal.aborted) {
        settle({ kind: 'aborted' });
        return;
      }
      this.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      sleep(timeoutMs, this.deps.clock.scheduler, timer.signal).then(
        () => {
          settle({ kind: 'timeout' });
        },
        () => undefined,
      );
    });
    return {
      result,
      cancel: () => {
        waiter?.settle({ kind: 'aborted' });
      },
    };
  }

  /** Liveness: a socket that did not answer the previous ping is closed. */
  ping(): void {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      this.deps.logger.warn('Web Messaging socket missed a pong; closing it', {
        guestSession: this.key,
      });
      socket.terminate();
      return;
    }
    this.awaitingPong = true;
    socket.ping();
  }

  /** Closes the socket; the session token stays in the store for the next use. */
  close(): void {
    this.closed = true;
    this.dropSocket();
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.limits = null;
    if (socket !== null) {
      socket.removeAllListeners('message');
      socket.terminate();
    }
    this.settleAll({ kind: 'closed' });
  }

  private settleAll(result: WaitResult): void {
    for (const waiter of [...this.waiters]) waiter.settle(result);
  }

  private async open(signal: AbortSignal): Promise<Readiness> {
    const { options } = this.deps;
    let last: TransportFailure = localFailure(
      'transient',
      'WEB_MESSAGING_CONNECT_FAILED',
      'could not connect',
    );
    for (let attempt = 1; attempt <= options.connectAttempts; attempt += 1) {
      if (this.closed) return { ok: false, failure: closedFailure() };
      if (this.failedConnects > 0) {
        const delay = Math.min(
          options.reconnectMaxDelayMs,
          options.reconnectBaseDelayMs * 2 ** Math.min(this.failedConnects - 1, 20),
        );
        try {
          await sleep(delay, this.deps.clock.scheduler, signal);
        } catch (error) {
          if (error instanceof SleepAbortedError) return { ok: false, failure: abortedFailure() };
          throw error;
        }
      }
      const outcome = await this.connectOnce(signal);
      if (outcome.ok) {
        this.failedConnects = 0;
        return outcome;
      }
      last = outcome.failure;
      if (outcome.failure.kind === 'permanent' || signal.aborted) return outcome;
      this.failedConnects += 1;
    }
    return { ok: false, failure: last };
  }

  private async connectOnce(signal: AbortSignal): Promise<Readiness> {
    const { options, logger } = this.deps;
    this.dropSocket();
    const startNew = this.sessionGone;
    if (startNew) {
      this.token = await this.newToken();
      this.sessionGone = false;
      this.deps.logger.info('starting a new Web Messaging session', { guestSession: this.key });
    }
    this.token ??= await this.loadToken();
    const socket = new WebSocket(options.socketUrl, { handshakeTimeout: options.answerTimeoutMs });
    const opened = await new Promise<{ ok: true } | { ok: false; reason: string }>((resolve) => {
      const onAbort = (): void => {
        socket.terminate();
        resolve({ ok: false, reason: 'aborted' });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('open', () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: true });
      });
      socket.once('error', (error: Error & { code?: string }) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, reason: error.code ?? 'connection error' });
      });
      socket.once('unexpected-response', (_request, response) => {
        signal.removeEventListener('abort', onAbort);
        socket.terminate();
        resolve({ ok: false, reason: `HTTP ${response.statusCode ?? 0}` });
      });
    });
    if (!opened.ok) {
      if (opened.reason === 'aborted') return { ok: false, failure: abortedFailure() };
      logger.warn('Web Messaging socket did not open', {
        guestSession: this.key,
        reason: opened.reason,
      });
      return {
        ok: false,
        failure: localFailure(
          'transient',
          'WEB_MESSAGING_CONNECT_FAILED',
          `the WebSocket did not open: ${opened.reason}`,
        ),
      };
    }
    this.attach(socket);
    return this.configure(signal, startNew);
  }

  private async configure(signal: AbortSignal, startNew: boolean): Promise<Readiness> {
    const tracingId = `configure-${randomUUID()}`;
    const wait = this.waitFor(
      (frame) => tracingOf(frame) === tracingId || frame.kind === 'session',
      signal,
    );
    const sent = this.send((token) => ({
      action: 'configureSession',
      token,
      deploymentId: this.deps.options.deploymentId,
      startNew,
      tracingId,
    }));
    if (!sent) {
      wait.cancel();
      return { ok: false, failure: connectionLost() };
    }
    const answer = await wait.result;
    switch (answer.kind) {
      case 'aborted':
        return { ok: false, failure: abortedFailure() };
      case 'closed':
        return { ok: false, failure: connectionLost() };
      case 'timeout':
        return { ok: false, failure: noAnswer('SessionResponse') };
      case 'frame':
        break;
    }
    const frame = answer.frame;
    if (frame.kind === 'session') {
      this.limits = frame.limits;
      this.deps.logger.debug('Web Messaging session configured', {
        guestSession: this.key,
        newSession: frame.limits.newSession,
      });
      return { ok: true, limits: frame.limits };
    }
    if (frame.kind === 'error' && SESSION_GONE_CODES.has(frame.code) && !startNew) {
      // The stored session is over: start a new one, once.
      this.token = await this.newToken();
      return this.configure(signal, true);
    }
    this.dropSocket();
    if (frame.kind === 'error')
      return { ok: false, failure: serverFailure(frame.code, frame.message) };
    return {
      ok: false,
      failure: localFailure(
        'transient',
        'WEB_MESSAGING_UNEXPECTED_FRAME',
        'configureSession was not answered with a SessionResponse',
      ),
    };
  }

  private async loadToken(): Promise<string> {
    const stored = await this.deps.store.find(this.key);
    return stored === null ? this.newToken() : stored.token;
  }

  /** A fresh token, stored before first use: a crash right after configureSession still resumes it. */
  private async newToken(): Promise<string> {
    const token = randomUUID();
    await this.deps.store.save({
      key: this.key,
      token,
      updatedAt: epochMsToIso(this.deps.clock.now()),
    });
    return token;
  }

  private attach(socket: WebSocket): void {
    this.socket = socket;
    this.awaitingPong = false;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as Buffer).toString('utf8');
      const frame = parseServerFrame(text);
      if (frame !== null) this.dispatch(frame);
    });
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (error: Error & { code?: string }) => {
      this.deps.logger.warn('Web Messaging socket error', {
        guestSession: this.key,
        code: error.code ?? null,
      });
    });
    socket.once('close', (code: number) => {
      if (this.socket !== socket) return;
      this.deps.logger.debug('Web Messaging socket closed', { guestSession: this.key, code });
      this.socket = null;
      this.limits = null;
      this.settleAll({ kind: 'closed' });
    });
  }

  private dispatch(frame: ServerFrame): void {
    if (frame.kind === 'sessionGone') {
      this.deps.logger.info('Web Messaging session ended by the server', {
        guestSession: this.key,
        reason: frame.reason,
      });
      if (frame.reason === 'expired' || frame.reason === 'cleared') this.sessionGone = true;
      this.socket?.close(1000);
      return;
    }
    if (frame.kind === 'structured' && frame.direction === 'Outbound') {
      this.deps.onAgentFrame?.(frame.id, frame.body);
      return;
    }
    for (const waiter of this.waiters) {
      if (waiter.matches(frame)) {
        waiter.settle({ kind: 'frame', frame });
        return;
      }
    }
  }
}

export function connectionLost(): TransportFailure {
  return localFailure(
    'transient',
    'WEB_MESSAGING_CONNECTION_LOST',
    'the WebSocket closed before the server answered',
  );
}

export function noAnswer(what: string): TransportFailure {
  return localFailure(
    'transient',
    'WEB_MESSAGING_NO_ANSWER',
    `no ${what} before the answer timeout`,
  );
}

export function abortedFailure(): TransportFailure {
  return localFailure('transient', 'ABORTED', 'the request was aborted before the server answered');
}

function closedFailure(): TransportFailure {
  return localFailure('transient', 'ABORTED', 'the Web Messaging transport closed');
}
