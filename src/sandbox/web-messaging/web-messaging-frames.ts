/** Server → client frames of the Web Messaging Guest API (contract §4.3), as the sandbox writes them. */

export interface ServerFrame {
  readonly type: 'response' | 'message';
  readonly class: string;
  readonly code: number;
  readonly body: unknown;
  readonly tracingId?: string;
}

function withTracing(frame: Omit<ServerFrame, 'tracingId'>, tracingId: string | null): ServerFrame {
  return tracingId === null ? frame : { ...frame, tracingId };
}

export function errorFrame(code: number, text: string, tracingId: string | null): ServerFrame {
  return withTracing({ type: 'response', class: 'string', code, body: text }, tracingId);
}

export function tooManyRequestsFrame(
  retryAfterSeconds: number,
  tracingId: string | null,
): ServerFrame {
  return withTracing(
    {
      type: 'response',
      class: 'TooManyRequestsErrorMessage',
      code: 429,
      body: {
        retryAfter: retryAfterSeconds,
        errorCode: 4029,
        errorMessage: 'Message rate too high for this session',
      },
    },
    tracingId,
  );
}

export function responseFrame(
  className: string,
  body: unknown,
  tracingId: string | null,
  type: 'response' | 'message' = 'response',
): ServerFrame {
  return withTracing({ type, class: className, code: 200, body }, tracingId);
}

export function generateUrlErrorFrame(
  attachmentId: string,
  errorCode: number,
  errorMessage: string,
  tracingId: string | null,
): ServerFrame {
  return withTracing(
    {
      type: 'response',
      class: 'GenerateUrlError',
      code: errorCode,
      body: { attachmentId, errorCode, errorMessage },
    },
    tracingId,
  );
}

/** The stable error texts of the sandbox, by code (contract §4.4). */
export const ERROR_TEXTS: Readonly<Record<number, string>> = {
  400: 'Bad request',
  4000: 'Feature unavailable',
  4001: 'File type is not allowed',
  4002: 'File size is not allowed',
  4003: 'File content is not valid',
  4004: 'File name is not valid',
  4005: 'File name is too long',
  4006: 'session has expired',
  4007: 'session not found',
  4008: 'attachment has expired',
  4009: 'attachment not found',
  4010: 'attachment was not successfully uploaded',
  4011: 'message too long',
  4013: 'Custom Attributes in channel metadata is larger than the allowed size',
  4017: 'Cannot downgrade to an unauthenticated session',
  4020: 'missing parameter',
  5000: 'Unexpected error',
};

export function errorText(code: number): string {
  return ERROR_TEXTS[code] ?? `error ${code}`;
}
