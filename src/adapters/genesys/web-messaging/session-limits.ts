import type { Attachment, TransmissionContent, TransportFailure } from '../../../domain/index.js';
import { localFailure } from './web-messaging-failures.js';
import type { SessionLimits } from './web-messaging-protocol.js';

/** The session's limits, checked before anything is sent (contract §4.5). */
export function checkLimits(
  content: Extract<TransmissionContent, { kind: 'message' }>,
  limits: SessionLimits,
): TransportFailure | null {
  const max = limits.maxCustomDataBytes;
  if (max !== null && Object.keys(content.metadata).length > 0) {
    const bytes = Buffer.byteLength(JSON.stringify(content.metadata), 'utf8');
    if (bytes > max) {
      return localFailure(
        'permanent',
        'WEB_MESSAGING_CUSTOM_DATA_TOO_LARGE',
        `custom attributes take ${bytes} bytes; the session allows ${max}`,
      );
    }
  }
  for (const attachment of content.attachments) {
    const refused = checkAttachment(attachment, limits);
    if (refused !== null) return refused;
  }
  return null;
}

function checkAttachment(attachment: Attachment, limits: SessionLimits): TransportFailure | null {
  const media = limits.allowedMedia;
  if (media === null) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_ATTACHMENTS_NOT_ALLOWED',
      'the deployment allows no inbound attachments',
    );
  }
  const type = attachment.mime.toLowerCase();
  const major = type.split('/')[0] ?? '';
  const allowed = media.fileTypes.some((pattern) => {
    const p = pattern.toLowerCase();
    return p === '*/*' || p === '*' || p === type || p === `${major}/*`;
  });
  if (!allowed) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_MEDIA_TYPE_NOT_ALLOWED',
      `${attachment.mime} is not an allowed inbound media type`,
    );
  }
  if (attachment.sizeBytes <= 0) {
    return localFailure('permanent', 'WEB_MESSAGING_EMPTY_FILE', 'the attachment is empty');
  }
  if (attachment.sizeBytes / 1000 > media.maxFileSizeKB) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_FILE_TOO_LARGE',
      `the attachment is larger than ${media.maxFileSizeKB} KB`,
    );
  }
  const dot = attachment.filename.lastIndexOf('.');
  const extension = dot <= 0 ? '' : attachment.filename.slice(dot).toLowerCase();
  if (extension !== '' && limits.blockedExtensions.includes(extension)) {
    return localFailure(
      'permanent',
      'WEB_MESSAGING_EXTENSION_BLOCKED',
      `files ending in ${extension} are blocked`,
    );
  }
  return null;
}
