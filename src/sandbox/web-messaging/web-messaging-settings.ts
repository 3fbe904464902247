/** The resolved options of the Web Messaging side and the state its parts share. */
import type { WebSocket } from 'ws';
import type { AgentDesk } from '../agent-replies/agent-desk.js';
import type { SandboxFaultRates } from '../faults/fault-rates.js';
import type {
  SandboxAllowedMedia,
  WebMessagingSandboxOptions,
  WebMessagingSandboxStats,
} from './types.js';

export const WEB_MESSAGING_PATH = '/v1';
export const SIGNATURE_HEADER = 'x-sandbox-upload-signature';
export const MAX_TOKEN_LENGTH = 2048;
/** Attachment ids as they may appear in an upload URL. */
export const ATTACHMENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const DEFAULT_BLOCKED_EXTENSIONS = ['.exe', '.bat', '.cmd', '.com', '.msi', '.scr', '.js', '.vbs'];
const DEFAULT_ALLOWED_MEDIA: SandboxAllowedMedia = { fileTypes: ['*/*'], maxFileSizeKB: 25_000 };

export interface WebMessagingSettings {
  readonly deploymentIds: ReadonlySet<string> | null;
  readonly messagesPerSecond: number;
  readonly retryAfterSeconds: number;
  readonly maxTextLength: number;
  readonly maxCustomDataBytes: number;
  readonly allowedMedia: SandboxAllowedMedia | null;
  readonly blockedExtensions: readonly string[];
}

export function resolveWebMessagingSettings(
  options: WebMessagingSandboxOptions,
): WebMessagingSettings {
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

/** The largest upload accepted, in bytes; without allowed media, the default maximum. */
export function maxUploadBytes(settings: WebMessagingSettings): number {
  return (settings.allowedMedia?.maxFileSizeKB ?? 25_000) * 1000;
}

export interface WebMessagingSandboxContext {
  /** http://HOST:PORT of the sandbox, for upload URLs. */
  readonly baseUrl: () => string;
  readonly now: () => number;
  readonly seed: number;
  readonly faults: SandboxFaultRates;
  /** Aborted when the sandbox closes, so delayed answers never outlive it. */
  readonly closing: AbortSignal;
  /** Told of each accepted guest text; it pushes the agent's reply to the session's socket. */
  readonly agent: Pick<AgentDesk, 'webMessageAccepted'>;
}

export interface Session {
  readonly sessionId: string;
  readonly token: string;
  readonly deploymentId: string;
  resumes: number;
  expired: boolean;
  socket: WebSocket | null;
  /** When the recent onMessage frames arrived, for the per-second limit. */
  recent: number[];
}

export interface UploadFailure {
  readonly errorCode: number;
  readonly errorMessage: string;
}

export interface PendingAttachment {
  readonly attachmentId: string;
  readonly session: Session;
  readonly fileName: string;
  readonly fileType: string;
  readonly fileSize: number | null;
  readonly fileMd5: string | null;
  readonly signature: string;
  status: 'awaitingUpload' | 'uploaded' | 'failed';
  failWith: UploadFailure | null;
}

export interface Connection {
  readonly socket: WebSocket;
  readonly deploymentId: string;
  session: Session | null;
}

export type Frame = Readonly<Record<string, unknown>>;

export type MutableStats = { -readonly [K in keyof WebMessagingSandboxStats]: number };

export function emptyStats(): MutableStats {
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
