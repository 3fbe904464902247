import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Attachment, TransportFailure } from '../../../domain/index.js';
import { classifyHost } from '../../../domain/policies/host-classification.js';
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

class SourceRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Reads an attachment's bytes from a `file:` path or an https URL and checks them against what
 * the command declared (size, SHA-256, media type) before anything is uploaded. URL hosts get
 * the domain's SSRF rules at connect time: every address the name resolves to must be public
 * (loopback only when allowed for the sandbox), and the socket connects to the checked address,
 * so DNS rebinding between the check and the connection cannot reach a private network.
 */
export async function loadAttachment(
  attachment: Attachment,
  options: AttachmentSourceOptions,
  signal: AbortSignal,
): Promise<AttachmentLoad> {
  let url: URL;
  try {
    url = new URL(attachment.url);
  } catch {
    return refused('the attachment url is not a valid URL');
  }
  let bytes: Buffer;
  try {
    if (url.protocol === 'file:') {
      if (!options.allowFiles) return refused('file: attachment urls are not allowed');
      bytes = await readLocal(url, options.maxBytes);
    } else if (url.protocol === 'https:' || (url.protocol === 'http:' && options.allowLoopback)) {
      if (url.username !== '' || url.password !== '') {
        return refused('the attachment url carries credentials');
      }
      const fetched = await fetchRemote(url, options, signal);
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
  } catch (error) {
    if (error instanceof SourceRefused) return refused(error.reason);
    if (signal.aborted) {
      return {
        ok: false,
        failure: localFailure('transient', 'ABORTED', 'the attachment fetch was aborted'),
      };
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      return {
        ok: false,
        failure: localFailure(
          'permanent',
          'ATTACHMENT_FILE_UNREADABLE',
          `the attachment file cannot be read (${code})`,
        ),
      };
    }
    return {
      ok: false,
      failure: localFailure(
        'transient',
        'ATTACHMENT_FETCH_FAILED',
        `the attachment could not be fetched: ${typeof code === 'string' ? code : (error as Error).message}`,
      ),
    };
  }
  return checkBytes(attachment, bytes);
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

function refused(reason: string): AttachmentLoad {
  return { ok: false, failure: localFailure('permanent', 'ATTACHMENT_SOURCE_REFUSED', reason) };
}

async function readLocal(url: URL, maxBytes: number): Promise<Buffer> {
  if (url.hostname !== '' && url.hostname !== 'localhost') {
    throw new SourceRefused('file: urls must name a local path');
  }
  const path = fileURLToPath(url);
  const info = await stat(path);
  if (!info.isFile()) throw new SourceRefused('the file: url does not name a regular file');
  if (info.size > maxBytes) throw new SourceRefused(`the file is larger than ${maxBytes} bytes`);
  return readFile(path);
}

/** A `lookup` for http(s).request that refuses any address the SSRF rules refuse. */
export function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const bad = addresses.find((a) => {
        const cls = classifyHost(a.address);
        return !(cls === 'public' || (cls === 'loopback' && allowLoopback));
      });
      if (bad !== undefined || addresses.length === 0) {
        callback(
          new SourceRefused(
            `the attachment host ${hostname} resolves to an address that is not public`,
          ),
          '',
          0,
        );
        return;
      }
      if (options.all === true) {
        callback(null, addresses);
        return;
      }
      const first = addresses[0];
      callback(null, first?.address ?? '', first?.family ?? 4);
    });
  };
}

type Fetched =
  | { readonly ok: true; readonly bytes: Buffer; readonly contentType: string | null }
  | { readonly ok: false; readonly failure: TransportFailure };

function fetchRemote(
  url: URL,
  options: AttachmentSourceOptions,
  signal: AbortSignal,
): Promise<Fetched> {
  const hostClass = classifyHost(url.hostname);
  if (hostClass !== 'public' && !(hostClass === 'loopback' && options.allowLoopback)) {
    return Promise.reject(new SourceRefused(`the attachment host ${url.hostname} is not public`));
  }
  const requestOptions: RequestOptions = {
    method: 'GET',
    lookup: guardedLookup(options.allowLoopback),
    signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
    headers: { accept: '*/*' },
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Fetched>((resolve, reject) => {
    const req = send(url, requestOptions, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        response.resume();
        const kind = status === 429 || status === 408 || status >= 500 ? 'transient' : 'permanent';
        resolve({
          ok: false,
          failure: localFailure(
            kind,
            'ATTACHMENT_FETCH_FAILED',
            `the attachment url answered HTTP ${status}`,
          ),
        });
        return;
      }
      const declared = Number(response.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        response.destroy();
        reject(new SourceRefused(`the attachment is larger than ${options.maxBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          response.destroy(
            new SourceRefused(`the attachment is larger than ${options.maxBytes} bytes`),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.once('error', reject);
      response.once('end', () => {
        const type = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        resolve({
          ok: true,
          bytes: Buffer.concat(chunks, size),
          contentType: type === undefined || type === '' ? null : type,
        });
      });
    });
    req.once('error', reject);
    req.end();
  });
}
