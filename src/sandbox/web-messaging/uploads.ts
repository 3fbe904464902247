import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendAnswer } from '../http/answer.js';
import { rawBodyOf } from '../http/raw-body.js';
import type { RawBody } from '../http/raw-body.js';
import { requestContentType } from '../http/sandbox-app.js';
import type { SandboxApp } from '../http/sandbox-app.js';
import type { GuestReplies } from './guest-replies.js';
import type { WebMessagingUpload } from './types.js';
import { SIGNATURE_HEADER, maxUploadBytes } from './web-messaging-settings.js';
import type {
  MutableStats,
  PendingAttachment,
  UploadFailure,
  WebMessagingSandboxContext,
  WebMessagingSettings,
} from './web-messaging-settings.js';

export const UPLOADS_ROUTE = '/__sandbox/uploads/:attachmentId';
const UPLOAD_PATH = /^\/__sandbox\/uploads\/([A-Za-z0-9._-]{1,128})$/;

function pathOf(url: string): string {
  return url.split('?')[0] ?? '/';
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('base64');
}

/**
 * The presigned uploads of the sandbox: `PUT /__sandbox/uploads/{id}` with the signature
 * header a `PresignedUrlResponse` announced, `GET` to read the bytes back. These answers are
 * not Genesys API calls: they are neither counted in the stats nor shaped as Genesys errors.
 */
export class UploadDesk {
  private readonly attachments = new Map<string, PendingAttachment>();
  private readonly uploaded: WebMessagingUpload[] = [];

  constructor(
    private readonly settings: WebMessagingSettings,
    private readonly context: WebMessagingSandboxContext,
    private readonly replies: GuestReplies,
    private readonly counters: MutableStats,
  ) {}

  announce(attachment: PendingAttachment): void {
    this.attachments.set(attachment.attachmentId, attachment);
  }

  attachment(attachmentId: string): PendingAttachment | undefined {
    return this.attachments.get(attachmentId);
  }

  uploadUrl(attachmentId: string): string {
    return `${this.context.baseUrl()}/__sandbox/uploads/${attachmentId}`;
  }

  uploads(): readonly WebMessagingUpload[] {
    return [...this.uploaded];
  }

  /** Forgets the uploaded files; announced attachments stay, as their sessions do. */
  clear(): void {
    this.uploaded.length = 0;
  }

  /** Whether a request no route took is for an upload URL (a method fastify does not route). */
  isUploadPath(url: string): boolean {
    return UPLOAD_PATH.test(pathOf(url));
  }

  register(app: SandboxApp): void {
    app.all(UPLOADS_ROUTE, { bodyLimit: maxUploadBytes(this.settings) }, (request, reply) =>
      this.answer(request, reply),
    );
  }

  /** Unknown upload first, then the method: a wrong method on a known upload gets 405. */
  answer(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const match = UPLOAD_PATH.exec(pathOf(request.url));
    // The route's parameter is decoded; the id must also be plain in the raw path.
    if (match?.[1] === undefined) {
      reply.callNotFound();
      return reply;
    }
    const attachment = this.attachments.get(match[1]);
    if (attachment === undefined) {
      return sendAnswer(reply, { status: 404, body: { message: 'no such upload' } });
    }
    if (request.method === 'GET') return this.download(attachment, reply);
    if (request.method !== 'PUT') {
      const answer = { status: 405, body: { message: 'PUT only' }, headers: { Allow: 'PUT, GET' } };
      return sendAnswer(reply, answer);
    }
    return this.acceptUpload(attachment, request, reply);
  }

  private download(attachment: PendingAttachment, reply: FastifyReply): FastifyReply {
    const upload = this.uploaded.find((u) => u.attachmentId === attachment.attachmentId);
    if (upload === undefined) {
      return sendAnswer(reply, { status: 404, body: { message: 'not uploaded' } });
    }
    reply.code(200);
    reply.header('Content-Type', upload.fileType);
    reply.header('Content-Length', upload.sizeBytes);
    return reply.send(upload.bytes);
  }

  private acceptUpload(
    attachment: PendingAttachment,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply {
    const body = rawBodyOf(request.body);
    const failure = this.uploadProblem(attachment, request, body);
    if (failure !== null) {
      attachment.status = 'failed';
      sendAnswer(reply, { status: 400, body: { message: failure.errorMessage } });
      this.replies.push(attachment.session, 'UploadFailureEvent', {
        attachmentId: attachment.attachmentId,
        ...failure,
        timestamp: new Date(this.context.now()).toISOString(),
      });
      return reply;
    }
    const bytes = body.kind === 'ok' ? body.bytes : Buffer.alloc(0);
    attachment.status = 'uploaded';
    this.counters.uploads += 1;
    this.uploaded.push({
      attachmentId: attachment.attachmentId,
      sessionId: attachment.session.sessionId,
      fileName: attachment.fileName,
      fileType: attachment.fileType,
      sizeBytes: bytes.length,
      md5: md5(bytes),
      bytes,
    });
    sendAnswer(reply, { status: 200 });
    this.replies.push(attachment.session, 'UploadSuccessEvent', {
      attachmentId: attachment.attachmentId,
      downloadUrl: this.uploadUrl(attachment.attachmentId),
      timestamp: new Date(this.context.now()).toISOString(),
    });
    return reply;
  }

  private uploadProblem(
    attachment: PendingAttachment,
    request: FastifyRequest,
    body: RawBody,
  ): UploadFailure | null {
    if (attachment.failWith !== null) return attachment.failWith;
    if (attachment.status !== 'awaitingUpload') {
      return { errorCode: 4003, errorMessage: 'this upload URL was already used' };
    }
    if (request.headers[SIGNATURE_HEADER] !== attachment.signature) {
      return { errorCode: 4003, errorMessage: 'the upload signature header is missing or wrong' };
    }
    const contentType = (requestContentType(request) ?? '').split(';')[0]?.trim() ?? '';
    if (contentType.toLowerCase() !== attachment.fileType.toLowerCase()) {
      return { errorCode: 4001, errorMessage: 'Content-Type differs from the announced fileType' };
    }
    if (body.kind === 'tooLarge') return { errorCode: 4002, errorMessage: 'the file is too large' };
    if (body.bytes.length === 0) return { errorCode: 4003, errorMessage: 'the file is empty' };
    if (attachment.fileSize !== null && body.bytes.length !== attachment.fileSize) {
      return { errorCode: 4002, errorMessage: 'the size differs from the announced fileSize' };
    }
    if (attachment.fileMd5 !== null && md5(body.bytes) !== attachment.fileMd5) {
      return { errorCode: 4003, errorMessage: 'the MD5 differs from the announced fileMd5' };
    }
    return null;
  }
}
