import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Attachment, TransportFailure } from '../../../domain/index.js';
import {
  OutboundHttpClient,
  type HostResolver,
  type OutboundFailure,
} from '../../outbound-http/index.js';
import { localFailure } from './web-messaging-failures.js';

export interface AttachmentSourceOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly allowLoopback: boolean;
  readonly allowFiles: boolean;
}

export interface LoadedAttachment {
  readonly bytes: Buffer;
  readonly mime: string;
  readonly fileName: string;
  /** base64 MD5, as `fileMd5` and a Content-MD5 header carry it. */
  readonly md5: string;
}

export type AttachmentLoad =
  | { readonly ok: true; readonly file: LoadedAttachment }
  | { readonly ok: false; readonly failure: TransportFailure };

/**
 * Reads an attachment's bytes from a `file:` path or an https URL and checks them against what
 * the command declared (size, SHA-256, media type) before anything is uploaded. URL hosts get
 * the domain's SSRF rules through the outbound client's guard: every address the name resolves
 * to must be public (loopback only when allowed for the sandbox), and the socket connects to the
 * checked address, so DNS rebinding between the check and the connection cannot reach a private
 * network.
 */
export class AttachmentSource {
  private readonly http: OutboundHttpClient;

  /** `resolve` replaces DNS for the SSRF guard in tests. */
  constructor(
    private readonly options: AttachmentSourceOptions,
    resolve?: HostResolver,
  ) {
    this.http = new OutboundHttpClient({
      addresses: { kind: 'public', allowLoopback: options.allowLoopback },
      ...(resolve === undefined ? {} : { resolve }),
    });
  }

  async load(attachment: Attachment, signal: AbortSignal): Promise<AttachmentLoad> {
    const { options } = this;
    let url: URL;
    try {
      url = new URL(attachment.url);
    } catch {
      return refused('the attachment url is not a valid URL');
    }
    let bytes: Buffer;
    if (url.protocol === 'file:') {
      if (!options.allowFiles) return refused('file: attachment urls are not allowed');
      const read = await readLocal(url, options.maxBytes);
      if (!read.ok) return read;
      bytes = read.bytes;
    } else if (url.protocol === 'https:' || (url.protocol === 'http:' && options.allowLoopback)) {
      if (url.username !== '' || url.password !== '') {
        return refused('the attachment url carries credentials');
      }
      const fetched = await this.fetchRemote(url, signal);
      if (!fetched.ok) return fetched;
      bytes = fetched.bytes;
      const served = fetched.contentType;
      if (
        served !== null &&
        served !== 'application/octet-stream' &&
        served !== attachment.mime.toLowerCase()
      ) {
        return {
          ok: false,
          failure: localFailure(
            'permanent',
            'ATTACHMENT_TYPE_MISMATCH',
            `the attachment was served as ${served}, not the declared ${attachment.mime}`,
          ),
        };
      }
    } else {
      return refused(`attachment urls with ${url.protocol} are not fetched`);
    }
    return checkBytes(attachment, bytes);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async fetchRemote(url: URL, signal: AbortSignal): Promise<Fetched> {
    const { maxBytes, timeoutMs } = this.options;
    const exchange = await this.http.send({
      method: 'GET',
      url,
      headers: { accept: '*/*' },
      timeoutMs,
      signal,
    });
    if (!exchange.ok) return fetchFailed(exchange.failure, maxBytes);
    const { answer } = exchange;
    const status = answer.status;
    if (status < 200 || status >= 300) {
      answer.discard();
      const kind = status === 429 || status === 408 || status >= 500 ? 'transient' : 'permanent';
      return {
        ok: false,
        failure: localFailure(
          kind,
          'ATTACHMENT_FETCH_FAILED',
          `the attachment url answered HTTP ${status}`,
        ),
      };
    }
    const read = await answer.read(maxBytes, 'fail');
    if (!read.ok) return fetchFailed(read.failure, maxBytes);
    const type = answer.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    return {
      ok: true,
      bytes: read.bytes,
      contentType: type === undefined || type === '' ? null : type,
    };
  }
}

type Fetched =
  | { readonly ok: true; readonly bytes: Buffer; readonly contentType: string | null }
  | { readonly ok: false; readonly failure: TransportFailure };

/** The outbound client's failure in the transport's terms, with the codes it always had. */
function fetchFailed(failure: OutboundFailure, maxBytes: number): Fetched {
  switch (failure.code) {
    case 'OUTBOUND_HOST_REFUSED':
      return refused(`the attachment host ${failure.detail}`);
    case 'OUTBOUND_ANSWER_TOO_LARGE':
      return refused(`the attachment is larger than ${maxBytes} bytes`);
    case 'OUTBOUND_ABORTED':
      return {
        ok: false,
        failure: localFailure('transient', 'ABORTED', 'the attachment fetch was aborted'),
      };
    case 'OUTBOUND_TIMEOUT':
    case 'OUTBOUND_NETWORK':
      return {
        ok: false,
        failure: localFailure(
          'transient',
          'ATTACHMENT_FETCH_FAILED',
          `the attachment could not be fetched: ${failure.detail}`,
        ),
      };
  }
}

function checkBytes(attachment: Attachment, bytes: Buffer): AttachmentLoad {
  if (bytes.length === 0) {
    return {
      ok: false,
      failure: localFailure('permanent', 'WEB_MESSAGING_EMPTY_FILE', 'the attachment is empty'),
    };
  }
  if (bytes.length !== attachment.sizeBytes) {
    return {
      ok: false,
      failure: localFailure(
        'permanent',
        'ATTACHMENT_SIZE_MISMATCH',
        `the attachment has ${bytes.length} bytes, not the declared ${attachment.sizeBytes}`,
      ),
    };
  }
  if (attachment.sha256 !== undefined) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== attachment.sha256.toLowerCase()) {
      return {
        ok: false,
        failure: localFailure(
          'permanent',
          'ATTACHMENT_DIGEST_MISMATCH',
          'the attachment does not match its declared sha256',
        ),
      };
    }
  }
  return {
    ok: true,
    file: {
      bytes,
      mime: attachment.mime,
      fileName: attachment.filename,
      md5: createHash('md5').update(bytes).digest('base64'),
    },
  };
}

function refused(reason: string): { readonly ok: false; readonly failure: TransportFailure } {
  return { ok: false, failure: localFailure('permanent', 'ATTACHMENT_SOURCE_REFUSED', reason) };
}

type LocalRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly failure: TransportFailure };

async function readLocal(url: URL, maxBytes: number): Promise<LocalRead> {
  if (url.hostname !== '' && url.hostname !== 'localhost') {
    return refused('file: urls must name a local path');
  }
  const path = fileURLToPath(url);
  try {
    const info = await stat(path);
    if (!info.isFile()) return refused('the file: url does not name a regular file');
    if (info.size > maxBytes) return refused(`the file is larger than ${maxBytes} bytes`);
    return { ok: true, bytes: await readFile(path) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const unreadable = code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR';
    return {
      ok: false,
      failure: unreadable
        ? localFailure(
            'permanent',
            'ATTACHMENT_FILE_UNREADABLE',
            `the attachment file cannot be read (${code})`,
          )
        : localFailure(
            'transient',
            'ATTACHMENT_FETCH_FAILED',
            `the attachment could not be fetched: ${typeof code === 'string' ? code : (error as Error).message}`,
          ),
    };
  }
}
