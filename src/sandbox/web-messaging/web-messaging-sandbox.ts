import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { FaultPlan } from '../faults/fault-plan.js';
import type { SandboxFaultRates } from '../faults/fault-rates.js';
import type { SandboxApp } from '../http/sandbox-app.js';
import { CountedFrames } from './counted-frames.js';
import { GuestReplies } from './guest-replies.js';
import { GuestSessions } from './guest-sessions.js';
import { isRecord, stringField } from './message-checks.js';
import type {
  SandboxWebMessaging,
  WebMessagingReceived,
  WebMessagingSandboxOptions,
  WebMessagingSandboxStats,
  WebMessagingScriptedAnswer,
  WebMessagingScriptStep,
  WebMessagingSessionInfo,
  WebMessagingUpload,
} from './types.js';
import { UploadDesk } from './uploads.js';
import { errorFrame } from './web-messaging-frames.js';
import {
  MAX_TOKEN_LENGTH,
  WEB_MESSAGING_PATH,
  emptyStats,
  resolveWebMessagingSettings,
} from './web-messaging-settings.js';
import type { Connection, WebMessagingSandboxContext } from './web-messaging-settings.js';

/**
 * The Web Messaging Guest API of the sandbox: guest sessions over WebSocket at `/v1` on the same
 * port as the Open Messaging endpoints, echoes, the per-session rate limit, presigned uploads
 * served by the sandbox itself, and fault injection by seeded rates or script. This class takes
 * the sockets and dispatches their frames; sessions, counted frames and uploads have their own.
 */
export class WebMessagingSandbox implements SandboxWebMessaging {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  private readonly faults: FaultPlan<WebMessagingScriptedAnswer>;
  private readonly counters = emptyStats();
  private readonly replies: GuestReplies;
  private readonly sessionDirectory: GuestSessions;
  private readonly uploadDesk: UploadDesk;
  private readonly countedFrames: CountedFrames;

  constructor(
    options: WebMessagingSandboxOptions,
    private readonly context: WebMessagingSandboxContext,
  ) {
    const settings = resolveWebMessagingSettings(options);
    this.faults = new FaultPlan(context.seed, options.faults ?? context.faults);
    this.replies = new GuestReplies(this.counters, context.closing);
    this.sessionDirectory = new GuestSessions(settings, this.replies);
    this.uploadDesk = new UploadDesk(settings, context, this.replies, this.counters);
    this.countedFrames = new CountedFrames(
      settings,
      context,
      this.faults,
      this.sessionDirectory,
      this.uploadDesk,
      this.replies,
      this.counters,
    );
  }

  get url(): string {
    return `${this.context.baseUrl().replace(/^http/, 'ws')}${WEB_MESSAGING_PATH}`;
  }

  /** The upload URLs, on the sandbox's HTTP server. */
  get uploadsHttp(): Pick<UploadDesk, 'isUploadPath' | 'answer'> {
    return this.uploadDesk;
  }

  received(): readonly WebMessagingReceived[] {
    return this.countedFrames.received();
  }

  uploads(): readonly WebMessagingUpload[] {
    return this.uploadDesk.uploads();
  }

  sessions(): readonly WebMessagingSessionInfo[] {
    return this.sessionDirectory.list();
  }

  stats(): WebMessagingSandboxStats {
    return { ...this.counters };
  }

  setFaults(faults: SandboxFaultRates): void {
    this.faults.setRates(faults);
  }

  script(steps: readonly WebMessagingScriptStep[]): void {
    this.faults.setScript(steps);
  }

  dropAllConnections(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  reset(): void {
    this.countedFrames.clear();
    this.uploadDesk.clear();
    Object.assign(this.counters, emptyStats());
  }

  register(app: SandboxApp): void {
    this.uploadDesk.register(app);
  }

  /** Takes the upgrade when it is for `/v1`; false leaves the socket to the caller. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    if (url.pathname !== WEB_MESSAGING_PATH) return false;
    const deploymentId = url.searchParams.get('deploymentId') ?? '';
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.counters.connections += 1;
      const connection: Connection = { socket: ws, deploymentId, session: null };
      ws.on('message', (data: RawData) => {
        void this.onFrame(connection, data).catch(() => {
          ws.terminate();
        });
      });
      ws.on('close', () => {
        if (connection.session?.socket === ws) connection.session.socket = null;
      });
      ws.on('error', () => {
        ws.terminate();
      });
    });
    return true;
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private async onFrame(connection: Connection, data: RawData): Promise<void> {
    this.counters.framesReceived += 1;
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    let frame: unknown;
    try {
      frame = JSON.parse(text) as unknown;
    } catch {
      this.replies.answer(connection, errorFrame(400, 'Invalid JSON', null));
      return;
    }
    if (!isRecord(frame)) {
      this.replies.answer(connection, errorFrame(400, 'Invalid JSON', null));
      return;
    }
    const tracingId = stringField(frame, 'tracingId');
    const action = stringField(frame, 'action');
    const token = stringField(frame, 'token');
    if (token === null || token.length > MAX_TOKEN_LENGTH) {
      const problem = 'token is missing or longer than 2048 characters';
      this.replies.error(connection, 4020, tracingId, problem);
      return;
    }
    switch (action) {
      case 'configureSession':
        this.sessionDirectory.configure(connection, frame, token, tracingId);
        return;
      case 'echo':
        this.sessionDirectory.echo(connection, token, tracingId);
        return;
      case 'onMessage':
      case 'onAttachment':
        await this.countedFrames.handle(connection, frame, token, tracingId, action);
        return;
      case 'closeSession':
        connection.socket.close(1000, 'session closed');
        return;
      default:
        this.replies.error(connection, 400, tracingId, `unknown action ${action ?? '(none)'}`);
    }
  }
}
