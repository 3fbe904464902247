import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../application/ports/index.js';
import { OutboundHttpClient, type OutboundFailure } from '../../outbound-http/index.js';
import type { LoadedAttachment } from './attachment-source.js';
import { abortedFailure, connectionLost, type GuestConnection } from './guest-connection.js';
import { localFailure, serverFailure } from './web-messaging-failures.js';
import type { ResolvedWebMessagingOptions } from './web-messaging-options.js';
import { errorStep, frameOf, tracingOf, type Step } from './web-messaging-steps.js';

export interface AttachmentUploaderDeps {
  readonly options: ResolvedWebMessagingOptions;
  readonly clock: Clock;
}

/**
 * The upload protocol: `onAttachment` → PresignedUrlResponse → HTTP PUT of the
 * bytes → UploadSuccessEvent, whose attachment id the message then references. The PUT goes
 * through the outbound client without the SSRF guard: the URL comes from the Genesys session
 * we opened, not from a message.
 */
export class AttachmentUploader {
  private readonly http = new OutboundHttpClient({ addresses: { kind: 'any' } });

  constructor(private readonly deps: AttachmentUploaderDeps) {}

  async upload(
    connection: GuestConnection,
    file: LoadedAttachment,
    tracingId: string,
    signal: AbortSignal,
  ): Promise<Step<string>> {
    const attachmentId = randomUUID();
    const presign = connection.waitFor(
      (frame) =>
        tracingOf(frame) === tracingId ||
        (frame.kind === 'generateUrlError' && frame.attachmentId === attachmentId),
      signal,
    );
    const sent = connection.send((token) => ({
      action: 'onAttachment',
      token,
      tracingId,
      attachmentId,
      fileName: file.fileName,
      fileType: file.mime,
      fileSize: file.bytes.length,
      fileMd5: file.md5,
      errorsAsJson: true,
    }));
    if (!sent) {
      presign.cancel();
      return { ok: false, failure: connectionLost() };
    }
    const answer = frameOf(await presign.result, 'PresignedUrlResponse');
    if (!answer.ok) return answer;
    const frame = answer.value;
    if (frame.kind === 'generateUrlError')
      return { ok: false, failure: serverFailure(frame.errorCode, frame.errorMessage) };
    if (frame.kind === 'tooManyRequests') {
      const retryAfterMs = frame.retryAfterMs ?? 1000;
      connection.pacer.pauseUntil(this.deps.clock.now() + retryAfterMs);
      return { ok: false, failure: serverFailure(429, frame.errorMessage, retryAfterMs) };
    }
    if (frame.kind !== 'presignedUrl') return errorStep(frame);
    const done = connection.waitFor(
      (f) =>
        (f.kind === 'uploadSuccess' || f.kind === 'uploadFailure') &&
        f.attachmentId === attachmentId,
      signal,
    );
    const put = await this.put(frame.url, frame.headers, file, signal);
    if (!put.ok) {
      if (put.failure.status === null) {
        done.cancel();
        return put;
      }
      // The server answered the PUT: it may say why in an UploadFailureEvent.
      const reason = await done.result;
      if (reason.kind === 'frame' && reason.frame.kind === 'uploadFailure') {
        return {
          ok: false,
          failure: serverFailure(reason.frame.errorCode, reason.frame.errorMessage),
        };
      }
      return put;
    }
    const event = frameOf(await done.result, 'UploadSuccessEvent');
    if (!event.ok) return event;
    if (event.value.kind === 'uploadFailure') {
      return { ok: false, failure: serverFailure(event.value.errorCode, event.value.errorMessage) };
    }
    return { ok: true, value: attachmentId };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** HTTP PUT of the bytes to the presigned URL, with its headers plus Content-Type. */
  private async put(
    url: string,
    headers: Readonly<Record<string, string>>,
    file: LoadedAttachment,
    signal: AbortSignal,
  ): Promise<Step<null>> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return uploadFailed('transient', 'the presigned URL is not a URL');
    }
    // Plain http only from a server we reach without TLS ourselves (the sandbox on ws://).
    const { options } = this.deps;
    const plainAllowed = options.socketUrl.startsWith('ws:') || options.allowLoopbackAttachments;
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && plainAllowed)) {
      return uploadFailed('permanent', 'the presigned URL is not https');
    }
    const exchange = await this.http.send({
      method: 'PUT',
      url: target,
      headers: {
        ...headers,
        'Content-Type': file.mime,
        'Content-Length': String(file.bytes.length),
      },
      body: file.bytes,
      timeoutMs: options.attachmentTimeoutMs,
      signal,
    });
    if (!exchange.ok) return putFailed(exchange.failure);
    exchange.answer.discard();
    const status = exchange.answer.status;
    if (status >= 200 && status < 300) return { ok: true, value: null };
    const kind = status === 408 || status === 429 || status >= 500 ? 'transient' : 'permanent';
    return {
      ok: false,
      failure: {
        ...localFailure(kind, 'WEB_MESSAGING_UPLOAD_FAILED', `the upload answered HTTP ${status}`),
        status,
      },
    };
  }
}

function uploadFailed(kind: 'transient' | 'permanent', message: string): Step<never> {
  return { ok: false, failure: localFailure(kind, 'WEB_MESSAGING_UPLOAD_FAILED', message) };
}

function putFailed(failure: OutboundFailure): Step<never> {
  if (failure.code === 'OUTBOUND_ABORTED') return { ok: false, failure: abortedFailure() };
  return uploadFailed('transient', `the upload failed: ${failure.detail}`);
}
