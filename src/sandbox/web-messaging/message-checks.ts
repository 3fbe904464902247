/** The checks the real guest API makes on `onMessage` and `onAttachment` frames (contract §4.4). */
import type { SandboxAllowedMedia, WebMessagingReceivedKind } from './types.js';
import { errorText } from './web-messaging-frames.js';
import type { Frame, PendingAttachment, WebMessagingSettings } from './web-messaging-settings.js';

export function isRecord(value: unknown): value is Frame {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string field of a frame, else null. */
export function stringField(frame: Frame, name: string): string | null {
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

export interface AttachmentRequest {
  readonly fileName: string;
  readonly fileType: string;
  readonly fileSize: number | null;
}

/** Why a `GenerateUrlError` refuses an announced attachment, or null when it may be uploaded. */
export function attachmentRefusal(
  settings: WebMessagingSettings,
  request: AttachmentRequest,
): { readonly code: number; readonly message: string } | null {
  const refuse = (code: number) => ({ code, message: errorText(code) });
  const media = settings.allowedMedia;
  if (media === null || !mediaTypeAllowed(media, request.fileType)) return refuse(4001);
  if (request.fileSize !== null && request.fileSize / 1000 > media.maxFileSizeKB) {
    return refuse(4002);
  }
  if (settings.blockedExtensions.includes(extensionOf(request.fileName))) return refuse(4004);
  if (request.fileName.length > 255) return refuse(4005);
  return null;
}

export type MessageCheck =
  number | { readonly kind: WebMessagingReceivedKind; readonly attachmentIds: readonly string[] };

/** The error code the real server would answer for an `onMessage` message, or what was accepted. */
export function checkMessage(
  settings: WebMessagingSettings,
  message: Frame,
  attachment: (id: string) => PendingAttachment | undefined,
): MessageCheck {
  const type = message['type'];
  if (type === 'Event') {
    const events = message['events'];
    return Array.isArray(events) && events.length > 0 ? { kind: 'event', attachmentIds: [] } : 4020;
  }
  if (type !== 'Text' && type !== 'Structured') return 4020;
  const text = typeof message['text'] === 'string' ? message['text'] : '';
  // Characters as code points, the way the 4000-character agent limit is usually counted.
  if (Array.from(text).length > settings.maxTextLength) return 4011;
  const channel = message['channel'];
  const custom =
    isRecord(channel) && isRecord(channel['metadata'])
      ? channel['metadata']['customAttributes']
      : undefined;
  if (
    custom !== undefined &&
    Buffer.byteLength(JSON.stringify(custom), 'utf8') > settings.maxCustomDataBytes
  ) {
    return 4013;
  }
  const attachmentIds: string[] = [];
  const content = message['content'];
  if (Array.isArray(content)) {
    for (const item of content as unknown[]) {
      if (!isRecord(item) || item['contentType'] !== 'Attachment') continue;
      const attached = item['attachment'];
      const id = isRecord(attached) ? stringField(attached, 'id') : null;
      const known = id === null ? undefined : attachment(id);
      if (id === null || known === undefined) return 4009;
      if (known.status !== 'uploaded') return 4010;
      attachmentIds.push(id);
    }
  }
  if (text === '' && attachmentIds.length === 0) return 4020;
  return { kind: type === 'Text' ? 'text' : 'structured', attachmentIds };
}
