import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { FaultPlan, type FaultDecision } from '../faults/fault-plan.js';
import { writeAnswer } from '../http/http-io.js';
import type { SandboxFaultRates } from '../types.js';
import type {
  SandboxAllowedMedia,
  SandboxWebMessaging,
  WebMessagingReceived,
  WebMessagingReceivedKind,
  WebMessagingSandboxOptions,
  WebMessagingSandboxStats,
  WebMessagingScriptedAnswer,
  WebMessagingScriptStep,
  WebMessagingSessionInfo,
  WebMessagingUpload,
} from './types.js';
import {
  errorFrame,
  errorText,
  generateUrlErrorFrame,
  responseFrame,
  tooManyRequestsFrame,
  type ServerFrame,
} from './web-messaging-frames.js';

export const WEB_MESSAGING_PATH = '/v1';
const UPLOAD_PATH = /^\/__sandbox\/uploads\/([A-Za-z0-9._-]{1,128})$/;
const SIGNATURE_HEADER = 'x-sandbox-upload-signature';
const MAX_TOKEN_LENGTH = 2048;
const DEFAULT_BLOCKED_EXTENSIONS = ['.exe', '.bat', '.cmd', '.com', '.msi', '.scr', '.js', '.vbs'];
const DEFAULT_ALLOWED_MEDIA: SandboxAllowedMedia = { fileTypes: ['*/*'], maxFileSizeKB: 25_000 };

interface Settings {
  readonly deploymentIds: ReadonlySet<string> | null;
  readonly messagesPerSecond: number;
  readonly retryAfterSeconds: number;
  readonly maxTextLength: number;
  readonly maxCustomDataBytes: number;
  readonly allowedMedia: SandboxAllowedMedia | null;
  readonly blockedExtensions: readonly string[];
}

interface Session {
  readonly sessionId: string;
  readonly token: string;
  readonly deploymentId: string;
  resumes: number;
  expired: boolean;
  socket: WebSocket | null;
  /** When the recent onMessage frames arrived, for the per-second limit. */
  recent: number[];
}

interface PendingAttachment {
  readonly attachmentId: string;
  readonly session: Session;
  readonly fileName: string;
  readonly fileType: string;
  readonly fileSize: number | null;
  readonly fileMd5: string | null;
  readonly signature: string;
  status: 'awaitingUpload' | 'uploaded' | 'failed';
  failWith: { readonly errorCode: number; readonly errorMessage: string } | null;
}

interface Connection {
  readonly socket: WebSocket;
  readonly deploymentId: string;
  session: Session | null;
}

type Frame = Readonly<Record<string, unknown>>;

export interface WebMessagingSandboxContext {
  /** http://HOST:PORT of the sandbox, for upload URLs. */
  readonly baseUrl: () => string;
  readonly now: () => number;
  readonly seed: number;
  readonly faults: SandboxFaultRates;
  /** Aborted when the sandbox closes, so delayed answers never outlive it. */
  readonly closing: AbortSignal;
}

function resolveSettings(options: WebMessagingSandboxOptions): Settings {
  return {
    deploymentIds: options.deploymentIds === undefined ? null : new Set(options.deploymentIds),
    messagesPerSecond: options.messagesPerSecond ?? 2,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    maxTextLength: options.maxTextLength ?? 4000,
    maxCustomDataBytes: options.maxCustomDataBytes ?? 2048,
    allowedMedia: options.allowedMedia === undefined ? DEFAULT_ALLOWED_MEDIA : options.allowedMedia,
    blockedExtensions: options.blockedExtensions ?? DEFAULT_BLOCKED_EXTENSIONS,
  };
}

function isRecord(value: unknown): value is Frame {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(frame: Frame, name: string): string | null {
  const value = frame[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function mediaTypeAllowed(allowed: SandboxAllowedMedia, type: string): boolean {
  const [major = ''] = type.toLowerCase().split('/');
  return allowed.fileTypes.some((pattern) => {
    const p = pattern.toLowerCase();
    return p === '*/*' || p === type.toLowerCase() || p === `${major}/*`;
  });
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot <= 0 ? '' : fileName.slice(dot).toLowerCase();
}

/**
 * The Web Messaging Guest API of the sandbox: guest sessions over WebSocket at `/v1` on the same
 * port as the Open Messaging endpoints, echoes, the per-session rate limit, presigned uploads
 * served by the sandbox itself, and fault injection by seeded rates or script.
 */
export class WebMessagingSandbox implements SandboxWebMessaging {
  private readonly settings: Settings;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  private readonly sessionsByToken = new Map<string, Session>();
  private readonly attachments = new Map<string, PendingAttachment>();
  private readonly log: WebMessagingReceived[] = [];
  private readonly uploaded: WebMessagingUpload[] = [];
  private readonly faults: FaultPlan;
  private scriptCount = 0;
  private numbered = new Map<number, WebMessagingScriptedAnswer>();
  private unnumbered: WebMessagingScriptedAnswer[] = [];
  private counters = emptyStats();

  constructor(
    options: WebMessagingSandboxOptions,
    private readonly context: WebMessagingSandboxContext,
  ) {
    this.settings = resolveSettings(options);
    this.faults = new FaultPlan(context.seed, options.faults ?? context.faults);
  }

  get url(): string {
    return `${this.context.baseUrl().replace(/^http/, 'ws')}${WEB_MESSAGING_PATH}`;
  }

  received(): readonly WebMessagingReceived[] {
    return [...this.log];
  }

  uploads(): readonly WebMessagingUpload[] {
    return [...this.uploaded];
  }

  sessions(): readonly WebMessagingSessionInfo[] {
    return this.sessionList();
  }

  stats(): WebMessagingSandboxStats {
    return { ...this.counters };
  }

  setFaults(faults: SandboxFaultRates): void {
    this.faults.setRates(faults);
  }

  script(steps: readonly WebMessagingScriptStep[]): void {
    this.scriptCount = 0;
    this.numbered = new Map();
    this.unnumbered = [];
    for (const step of steps) {
      if (step.nth === undefined) this.unnumbered.push(step.answer);
      else this.numbered.set(step.nth, step.answer);
    }
  }

  dropAllConnections(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  reset(): void {
    this.log.length = 0;
    this.uploaded.length = 0;
    this.counters = emptyStats();
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

  /** Serves `PUT|GET /__sandbox/uploads/{id}`; false when the path is not an upload. */
  async handleHttp(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const match = UPLOAD_PATH.exec(path);
    if (match?.[1] === undefined) return false;
    const attachment = this.attachments.get(match[1]);
    const correlationId = randomUUID();
    if (attachment === undefined) {
      writeAnswer(response, { status: 404, body: { message: 'no such upload' } }, correlationId);
      return true;
    }
    if (request.method === 'GET') {
      const upload = this.uploaded.find((u) => u.attachmentId === attachment.attachmentId);
      if (upload === undefined) {
        writeAnswer(response, { status: 404, body: { message: 'not uploaded' } }, correlationId);
        return true;
      }
      response.writeHead(200, {
        'Content-Type': upload.fileType,
        'Content-Length': upload.sizeBytes,
      });
      response.end(upload.bytes);
      return true;
    }
    if (request.method !== 'PUT') {
      const answer = { status: 405, body: { message: 'PUT only' }, headers: { Allow: 'PUT, GET' } };
      writeAnswer(response, answer, correlationId);
      return true;
    }
    await this.acceptUpload(attachment, request, response, correlationId);
    return true;
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private sessionList(): WebMessagingSessionInfo[] {
    return [...this.sessionsByToken.values()].map((session) => ({
      sessionId: session.sessionId,
      deploymentId: session.deploymentId,
      resumes: session.resumes,
      expired: session.expired,
      connected: session.socket !== null,
    }));
  }

  private async acceptUpload(
    attachment: PendingAttachment,
    request: IncomingMessage,
    response: ServerResponse,
    correlationId: string,
  ): Promise<void> {
    const maxBytes = (this.settings.allowedMedia?.maxFileSizeKB ?? 25_000) * 1000;
    const body = await readBinary(request, maxBytes);
    const failure = this.uploadProblem(attachment, request, body);
    if (failure !== null) {
      attachment.status = 'failed';
      writeAnswer(
        response,
        { status: 400, body: { message: failure.errorMessage } },
        correlationId,
      );
      this.push(attachment.session, 'UploadFailureEvent', {
        attachmentId: attachment.attachmentId,
        ...failure,
        timestamp: new Date(this.context.now()).toISOString(),
      });
      return;
    }
    const bytes = body ?? Buffer.alloc(0);
    attachment.status = 'uploaded';
    this.counters.uploads += 1;
    this.uploaded.push({
      attachmentId: attachment.attachmentId,
      sessionId: attachment.session.sessionId,
      fileName: attachment.fileName,
      fileType: attachment.fileType,
      sizeBytes: bytes.length,
      md5: createHash('md5').update(bytes).digest('base64'),
      bytes,
    });
    writeAnswer(response, { status: 200 }, correlationId);
    this.push(attachment.session, 'UploadSuccessEvent', {
      attachmentId: attachment.attachmentId,
      downloadUrl: `${this.context.baseUrl()}/__sandbox/uploads/${attachment.attachmentId}`,
      timestamp: new Date(this.context.now()).toISOString(),
    });
  }

  private uploadProblem(
    attachment: PendingAttachment,
    request: IncomingMessage,
    body: Buffer | null,
  ): { errorCode: number; errorMessage: string } | null {
    if (attachment.failWith !== null) return attachment.failWith;
    if (attachment.status !== 'awaitingUpload') {
      return { errorCode: 4003, errorMessage: 'this upload URL was already used' };
    }
    if (request.headers[SIGNATURE_HEADER] !== attachment.signature) {
      return { errorCode: 4003, errorMessage: 'the upload signature header is missing or wrong' };
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (contentType.toLowerCase() !== attachment.fileType.toLowerCase()) {
      return { errorCode: 4001, errorMessage: 'Content-Type differs from the announced fileType' };
    }
    if (body === null) return { errorCode: 4002, errorMessage: 'the file is too large' };
    if (body.length === 0) return { errorCode: 4003, errorMessage: 'the file is empty' };
    if (attachment.fileSize !== null && body.length !== attachment.fileSize) {
      return { errorCode: 4002, errorMessage: 'the size differs from the announced fileSize' };
    }
    const md5 = createHash('md5').update(body).digest('base64');
    if (attachment.fileMd5 !== null && md5 !== attachment.fileMd5) {
      return { errorCode: 4003, errorMessage: 'the MD5 differs from the announced fileMd5' };
    }
    return null;
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
      this.answer(connection, errorFrame(400, 'Invalid JSON', null));
      return;
    }
    if (!isRecord(frame)) {
      this.answer(connection, errorFrame(400, 'Invalid JSON', null));
      return;
    }
    const tracingId = stringField(frame, 'tracingId');
    const action = stringField(frame, 'action');
    const token = stringField(frame, 'token');
    if (token === null || token.length > MAX_TOKEN_LENGTH) {
      this.error(connection, 4020, tracingId, 'token is missing or longer than 2048 characters');
      return;
    }
    switch (action) {
      case 'configureSession':
        this.configureSession(connection, frame, token, tracingId);
        return;
      case 'echo':
        this.echo(connection, token, tracingId);
        return;
      case 'onMessage':
      case 'onAttachment':
        await this.counted(connection, frame, token, tracingId, action);
        return;
      case 'closeSession':
        connection.socket.close(1000, 'session closed');
        return;
      default:
        this.error(connection, 400, tracingId, `unknown action ${action ?? '(none)'}`);
    }
  }

  private configureSession(
    connection: Connection,
    frame: Frame,
    token: string,
    tracingId: string | null,
  ): void {
    const deploymentId = stringField(frame, 'deploymentId') ?? connection.deploymentId;
    const known = this.settings.deploymentIds;
    if (deploymentId === '' || (known !== null && !known.has(deploymentId))) {
      this.error(connection, 400, tracingId, 'Deployment not found');
      return;
    }
    const startNew = frame['startNew'] === true;
    const existing = this.sessionsByToken.get(token);
    if (existing !== undefined && existing.expired && !startNew) {
      this.error(connection, 4006, tracingId);
      return;
    }
    let session: Session;
    let newSession: boolean;
    if (existing === undefined || startNew) {
      session = {
        sessionId: randomUUID(),
        token,
        deploymentId,
        resumes: 0,
        expired: false,
        socket: null,
        recent: [],
      };
      this.sessionsByToken.set(token, session);
      newSession = true;
    } else {
      session = existing;
      session.resumes += 1;
      newSession = false;
    }
    if (session.socket !== null && session.socket !== connection.socket) {
      this.send(session.socket, responseFrame('ConnectionClosedEvent', {}, null, 'message'));
      session.socket.close(1000, 'session opened elsewhere');
    }
    session.socket = connection.socket;
    connection.session = session;
    const media = this.settings.allowedMedia;
    this.answer(
      connection,
      responseFrame(
        'SessionResponse',
        {
          connected: true,
          newSession,
          readOnly: false,
          maxCustomDataBytes: this.settings.maxCustomDataBytes,
          ...(media === null
            ? {}
            : {
                allowedMedia: {
                  inbound: {
                    fileTypes: media.fileTypes.map((type) => ({ type })),
                    maxFileSizeKB: media.maxFileSizeKB,
                  },
                },
              }),
          blockedExtensions: this.settings.blockedExtensions,
          clearedExistingSession: startNew && existing !== undefined,
          durationSeconds: 259_200,
        },
        tracingId,
      ),
    );
  }

  private echo(connection: Connection, token: string, tracingId: string | null): void {
    const session = this.sessionOf(connection, token, tracingId);
    if (session === null) return;
    this.answer(
      connection,
      responseFrame(
        'StructuredMessage',
        { id: randomUUID(), type: 'Text', text: 'ping', direction: 'Inbound' },
        tracingId,
      ),
    );
  }

  /** The connection's configured session for this token, or null after answering 4006/4007. */
  private sessionOf(
    connection: Connection,
    token: string,
    tracingId: string | null,
  ): Session | null {
    const session = connection.session;
    if (session?.token !== token) {
      this.error(connection, 4007, tracingId);
      return null;
    }
    if (session.expired) {
      this.error(connection, 4006, tracingId);
      return null;
    }
    return session;
  }

  private nextScripted(): WebMessagingScriptedAnswer | undefined {
    this.scriptCount += 1;
    const numbered = this.numbered.get(this.scriptCount);
    if (numbered !== undefined) {
      this.numbered.delete(this.scriptCount);
      return numbered;
    }
    return this.unnumbered.shift();
  }

  private async counted(
    connection: Connection,
    frame: Frame,
    token: string,
    tracingId: string | null,
    action: 'onMessage' | 'onAttachment',
  ): Promise<void> {
    const drawn = this.faults.next();
    const scripted = this.nextScripted();
    let uploadFailure: PendingAttachment['failWith'] = null;
    let dropAfterAccept = false;
    if (scripted !== undefined) {
      switch (scripted.kind) {
        case 'error':
          this.error(connection, scripted.code, tracingId, scripted.body);
          return;
        case 'tooManyRequests':
          this.counters.rateLimited += 1;
          this.answer(connection, tooManyRequestsFrame(scripted.retryAfterSeconds, tracingId));
          return;
        case 'drop':
          this.drop(connection);
          return;
        case 'dropAfterAccept':
          dropAfterAccept = true;
          break;
        case 'delay':
          await this.delay(scripted.ms);
          break;
        case 'expireSession':
          if (connection.session !== null) connection.session.expired = true;
          break;
        case 'uploadFailure':
          uploadFailure = { errorCode: scripted.errorCode, errorMessage: scripted.errorMessage };
          break;
      }
    } else if ((await this.applyDrawn(connection, drawn, tracingId)) === 'answered') {
      return;
    }
    const session = this.sessionOf(connection, token, tracingId);
    if (session === null) return;
    if (action === 'onAttachment') {
      this.onAttachment(connection, session, frame, tracingId, uploadFailure);
      return;
    }
    this.onMessage(connection, session, frame, tracingId, dropAfterAccept);
  }

  private async applyDrawn(
    connection: Connection,
    fault: FaultDecision,
    tracingId: string | null,
  ): Promise<'continue' | 'answered'> {
    switch (fault.kind) {
      case 'none':
      case 'scripted':
        return 'continue';
      case 'slow':
        await this.delay(fault.ms);
        return 'continue';
      case 'connectionReset':
        this.drop(connection);
        return 'answered';
      case 'serverError':
        this.error(connection, 5000, tracingId);
        return 'answered';
      case 'serverErrorEmptyBody':
        this.answer(connection, errorFrame(fault.status, '', tracingId));
        this.counters.errors += 1;
        return 'answered';
      case 'rateLimited':
        this.counters.rateLimited += 1;
        this.answer(connection, tooManyRequestsFrame(this.settings.retryAfterSeconds, tracingId));
        return 'answered';
    }
  }

  private onAttachment(
    connection: Connection,
    session: Session,
    frame: Frame,
    tracingId: string | null,
    failWith: PendingAttachment['failWith'],
  ): void {
    const attachmentId = stringField(frame, 'attachmentId');
    const fileName = stringField(frame, 'fileName');
    const fileType = stringField(frame, 'fileType');
    if (attachmentId === null || fileName === null || fileType === null) {
      this.error(connection, 4020, tracingId, 'attachmentId, fileName and fileType are required');
      return;
    }
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(attachmentId)) {
      this.error(connection, 4020, tracingId, 'attachmentId has characters that are not allowed');
      return;
    }
    const fileSize = typeof frame['fileSize'] === 'number' ? frame['fileSize'] : null;
    const media = this.settings.allowedMedia;
    const refuse = (code: number, message: string): void => {
      this.counters.errors += 1;
      this.answer(connection, generateUrlErrorFrame(attachmentId, code, message, tracingId));
    };
    if (media === null || !mediaTypeAllowed(media, fileType)) {
      refuse(4001, errorText(4001));
      return;
    }
    if (fileSize !== null && fileSize / 1000 > media.maxFileSizeKB) {
      refuse(4002, errorText(4002));
      return;
    }
    if (this.settings.blockedExtensions.includes(extensionOf(fileName))) {
      refuse(4004, errorText(4004));
      return;
    }
    if (fileName.length > 255) {
      refuse(4005, errorText(4005));
      return;
    }
    const signature = randomBytes(16).toString('hex');
    this.attachments.set(attachmentId, {
      attachmentId,
      session,
      fileName,
      fileType,
      fileSize,
      fileMd5: stringField(frame, 'fileMd5'),
      signature,
      status: 'awaitingUpload',
      failWith,
    });
    this.answer(
      connection,
      responseFrame(
        'PresignedUrlResponse',
        {
          attachmentId,
          headers: { [SIGNATURE_HEADER]: signature },
          url: `${this.context.baseUrl()}/__sandbox/uploads/${attachmentId}`,
          fileName,
          ...(fileSize === null ? {} : { fileSize }),
          fileType,
        },
        tracingId,
      ),
    );
  }

  private onMessage(
    connection: Connection,
    session: Session,
    frame: Frame,
    tracingId: string | null,
    dropAfterAccept: boolean,
  ): void {
    const now = this.context.now();
    session.recent = session.recent.filter((at) => at > now - 1000);
    if (session.recent.length >= this.settings.messagesPerSecond) {
      this.counters.rateLimited += 1;
      this.answer(connection, tooManyRequestsFrame(this.settings.retryAfterSeconds, tracingId));
      return;
    }
    session.recent.push(now);
    const message = frame['message'];
    if (!isRecord(message)) {
      this.error(connection, 4020, tracingId, 'message is required');
      return;
    }
    const checked = this.checkMessage(message);
    if (typeof checked === 'number') {
      this.error(connection, checked, tracingId);
      return;
    }
    const genesysMessageId = randomUUID();
    this.counters.accepted += 1;
    this.log.push({
      sessionId: session.sessionId,
      deploymentId: session.deploymentId,
      kind: checked.kind,
      tracingId,
      message,
      attachmentIds: checked.attachmentIds,
      genesysMessageId,
      receivedAt: new Date(now).toISOString(),
    });
    if (dropAfterAccept) {
      this.drop(connection);
      return;
    }
    this.answer(
      connection,
      responseFrame(
        'StructuredMessage',
        {
          ...message,
          id: genesysMessageId,
          direction: 'Inbound',
          channel: { time: new Date(now).toISOString(), messageId: genesysMessageId },
          originatingEntity: 'Human',
        },
        tracingId,
        'message',
      ),
    );
  }

  /** The error code the real server would answer, or what was accepted. */
  private checkMessage(
    message: Frame,
  ): number | { kind: WebMessagingReceivedKind; attachmentIds: string[] } {
    const type = message['type'];
    if (type === 'Event') {
      const events = message['events'];
      return Array.isArray(events) && events.length > 0
        ? { kind: 'event', attachmentIds: [] }
        : 4020;
    }
    if (type !== 'Text' && type !== 'Structured') return 4020;
    const text = typeof message['text'] === 'string' ? message['text'] : '';
    // Characters as code points, the way the 4000-character agent limit is usually counted.
    if (Array.from(text).length > this.settings.maxTextLength) return 4011;
    const channel = message['channel'];
    const custom =
      isRecord(channel) && isRecord(channel['metadata'])
        ? channel['metadata']['customAttributes']
        : undefined;
    if (
      custom !== undefined &&
      Buffer.byteLength(JSON.stringify(custom), 'utf8') > this.settings.maxCustomDataBytes
    ) {
      return 4013;
    }
    const attachmentIds: string[] = [];
    const content = message['content'];
    if (Array.isArray(content)) {
      for (const item of content as unknown[]) {
        if (!isRecord(item) || item['contentType'] !== 'Attachment') continue;
        const attachment = item['attachment'];
        const id = isRecord(attachment) ? stringField(attachment, 'id') : null;
        const known = id === null ? undefined : this.attachments.get(id);
        if (id === null || known === undefined) return 4009;
        if (known.status !== 'uploaded') return 4010;
        attachmentIds.push(id);
      }
    }
    if (text === '' && attachmentIds.length === 0) return 4020;
    return { kind: type === 'Text' ? 'text' : 'structured', attachmentIds };
  }

  private error(
    connection: Connection,
    code: number,
    tracingId: string | null,
    text: string = errorText(code),
  ): void {
    this.counters.errors += 1;
    this.answer(connection, errorFrame(code, text, tracingId));
  }

  private drop(connection: Connection): void {
    this.counters.dropped += 1;
    connection.socket.terminate();
  }

  private answer(connection: Connection, frame: ServerFrame): void {
    this.send(connection.socket, frame);
  }

  private push(session: Session, className: string, body: unknown): void {
    if (session.socket !== null)
      this.send(session.socket, responseFrame(className, body, null, 'message'));
  }

  private send(socket: WebSocket, frame: ServerFrame): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  private async delay(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.context.closing, ref: false });
  }
}

function emptyStats(): { -readonly [K in keyof WebMessagingSandboxStats]: number } {
  return {
    connections: 0,
    framesReceived: 0,
    accepted: 0,
    rateLimited: 0,
    dropped: 0,
    errors: 0,
    uploads: 0,
  };
}

/** The whole body, or null when it is larger than `maxBytes` (drained, not cut off). */
async function readBinary(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return size > maxBytes ? null : Buffer.concat(chunks, size);
}
