/**
 * The frames of the Web Messaging Guest API (contract §4.2, §4.3): what we send, and a
 * defensive reading of what the server sends (anything unexpected is ignored, never trusted).
 */

export interface SessionLimits {
  readonly newSession: boolean;
  readonly maxCustomDataBytes: number | null;
  /** null: the deployment allows no inbound attachments. */
  readonly allowedMedia: {
    readonly fileTypes: readonly string[];
    readonly maxFileSizeKB: number;
  } | null;
  readonly blockedExtensions: readonly string[];
}

export type ServerFrame =
  | { readonly kind: 'session'; readonly tracingId: string | null; readonly limits: SessionLimits }
  | {
      readonly kind: 'structured';
      readonly tracingId: string | null;
      readonly id: string;
      readonly direction: string | null;
      /** The frame's body as sent: an Outbound one is an agent's message, read by agent-frames.ts. */
      readonly body: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'presignedUrl';
      readonly tracingId: string | null;
      readonly attachmentId: string;
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'uploadSuccess'; readonly attachmentId: string }
  | {
      readonly kind: 'uploadFailure';
      readonly attachmentId: string;
      readonly errorCode: number;
      readonly errorMessage: string | null;
    }
  | {
      readonly kind: 'generateUrlError';
      readonly tracingId: string | null;
      readonly attachmentId: string;
      readonly errorCode: number;
      readonly errorMessage: string | null;
    }
  | {
      readonly kind: 'tooManyRequests';
      readonly tracingId: string | null;
      readonly retryAfterMs: number | null;
      readonly errorMessage: string | null;
    }
  | {
      readonly kind: 'error';
      readonly tracingId: string | null;
      readonly code: number;
      readonly message: string | null;
    }
  | { readonly kind: 'sessionGone'; readonly reason: string }
  | { readonly kind: 'other'; readonly className: string };

type Json = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function parseServerFrame(text: string): ServerFrame | null {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return null;
  }
  if (!isRecord(json)) return null;
  const className = str(json['class']) ?? '';
  const tracingId = str(json['tracingId']);
  const code = num(json['code']) ?? 0;
  const body = json['body'];
  const b: Json = isRecord(body) ? body : {};
  switch (className) {
    case 'SessionResponse':
      return { kind: 'session', tracingId, limits: sessionLimits(b) };
    case 'StructuredMessage': {
      const id = str(b['id']);
      if (id === null) return { kind: 'other', className };
      return { kind: 'structured', tracingId, id, direction: str(b['direction']), body: b };
    }
    case 'PresignedUrlResponse': {
      const attachmentId = str(b['attachmentId']);
      const url = str(b['url']);
      if (attachmentId === null || url === null) return { kind: 'other', className };
      return {
        kind: 'presignedUrl',
        tracingId,
        attachmentId,
        url,
        headers: stringMap(b['headers']),
      };
    }
    case 'UploadSuccessEvent': {
      const attachmentId = str(b['attachmentId']);
      return attachmentId === null
        ? { kind: 'other', className }
        : { kind: 'uploadSuccess', attachmentId };
    }
    case 'UploadFailureEvent':
    case 'GenerateUrlError': {
      const attachmentId = str(b['attachmentId']);
      if (attachmentId === null) return { kind: 'other', className };
      const errorCode = num(b['errorCode']) ?? code;
      const errorMessage = str(b['errorMessage']);
      return className === 'UploadFailureEvent'
        ? { kind: 'uploadFailure', attachmentId, errorCode, errorMessage }
        : { kind: 'generateUrlError', tracingId, attachmentId, errorCode, errorMessage };
    }
    case 'TooManyRequestsErrorMessage': {
      const seconds = num(b['retryAfter']);
      return {
        kind: 'tooManyRequests',
        tracingId,
        retryAfterMs: seconds === null ? null : Math.max(0, seconds * 1000),
        errorMessage: str(b['errorMessage']),
      };
    }
    case 'SessionExpiredEvent':
      return { kind: 'sessionGone', reason: 'expired' };
    case 'SessionClearedEvent':
    case 'LogoutEvent':
      return { kind: 'sessionGone', reason: 'cleared' };
    case 'ConnectionClosedEvent':
      return { kind: 'sessionGone', reason: str(b['reason']) ?? 'closed' };
    case 'string':
      return { kind: 'error', tracingId, code, message: typeof body === 'string' ? body : null };
    default:
      if (code >= 400) return { kind: 'error', tracingId, code, message: str(b['errorMessage']) };
      return { kind: 'other', className };
  }
}

function sessionLimits(body: Json): SessionLimits {
  const media = isRecord(body['allowedMedia']) ? body['allowedMedia']['inbound'] : undefined;
  let allowedMedia: SessionLimits['allowedMedia'] = null;
  if (isRecord(media)) {
    const types = Array.isArray(media['fileTypes']) ? (media['fileTypes'] as unknown[]) : [];
    allowedMedia = {
      fileTypes: types.flatMap((t) => {
        const type = isRecord(t) ? str(t['type']) : null;
        return type === null ? [] : [type];
      }),
      maxFileSizeKB: num(media['maxFileSizeKB']) ?? Number.POSITIVE_INFINITY,
    };
  }
  const blocked = Array.isArray(body['blockedExtensions'])
    ? (body['blockedExtensions'] as unknown[])
    : [];
  return {
    newSession: body['newSession'] === true,
    maxCustomDataBytes: num(body['maxCustomDataBytes']),
    allowedMedia,
    blockedExtensions: blocked.flatMap((e) => {
      const ext = str(e);
      return ext === null
        ? []
        : [ext.toLowerCase().startsWith('.') ? ext.toLowerCase() : `.${ext.toLowerCase()}`];
    }),
  };
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
  return out;
}

/** Client frames (contract §4.2); `token` is the guest session token, a credential. */
export type ClientFrame =
  | {
      readonly action: 'configureSession';
      readonly token: string;
      readonly deploymentId: string;
      readonly startNew: boolean;
      readonly tracingId: string;
    }
  | {
      readonly action: 'onMessage';
      readonly token: string;
      readonly tracingId: string;
      readonly message: OutboundMessage;
    }
  | {
      readonly action: 'onAttachment';
      readonly token: string;
      readonly tracingId: string;
      readonly attachmentId: string;
      readonly fileName: string;
      readonly fileType: string;
      readonly fileSize: number;
      readonly fileMd5: string;
      readonly errorsAsJson: true;
    }
  | {
      readonly action: 'echo';
      readonly token: string;
      readonly tracingId: string;
      readonly message: { readonly type: 'Text'; readonly text: 'ping' };
    }
  | {
      readonly action: 'closeSession';
      readonly token: string;
      readonly closeAllConnections: boolean;
    };

export type OutboundMessage =
  | {
      readonly type: 'Text';
      readonly text: string;
      readonly content?: readonly {
        readonly contentType: 'Attachment';
        readonly attachment: { readonly id: string };
      }[];
      readonly channel?: {
        readonly metadata: { readonly customAttributes: Readonly<Record<string, string>> };
      };
    }
  | {
      readonly type: 'Event';
      readonly events: readonly {
        readonly eventType: 'Typing';
        readonly typing: { readonly type: 'On' };
      }[];
    };

/** The fixed health-check tracing id of Genesys' own transport (contract §4.2). */
export const ECHO_TRACING_ID = 'SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=';

/** `tracingId` of an attempt: the command id plus the attempt number. */
export function tracingIdOf(commandId: string, attempt: number, step = ''): string {
  return `${commandId}:${attempt}${step === '' ? '' : `:${step}`}`;
}
