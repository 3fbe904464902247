import { GtxError, hasErrorCode } from '../../../domain/index.js';

/** The Web Messaging options cannot work (no deployment id, a malformed URL…). */
export class WebMessagingConfigError extends GtxError {
  static readonly CODE = 'WEB_MESSAGING_CONFIG_INVALID';

  constructor(setting: string, reason: string) {
    super(WebMessagingConfigError.CODE, `${setting}: ${reason}`, { details: { setting } });
  }
}

/**
 * `verify()` could not open a guest session: the WebSocket host is unreachable, or the server
 * refused the deployment. `reason` is a stable word; the message never carries a session token.
 */
export class WebMessagingUnavailableError extends GtxError {
  static readonly CODE = 'WEB_MESSAGING_UNAVAILABLE';

  constructor(reason: string, detail: string, cause?: unknown) {
    super(WebMessagingUnavailableError.CODE, `Web Messaging is not usable: ${detail}`, {
      cause,
      details: { reason },
    });
  }
}

/** `send` after `close`: a bug in the caller, so it rejects instead of answering a failure. */
export class WebMessagingClosedError extends GtxError {
  static readonly CODE = 'WEB_MESSAGING_TRANSPORT_CLOSED';

  constructor() {
    super(WebMessagingClosedError.CODE, 'the Web Messaging transport is closed');
  }
}

export function isWebMessagingUnavailableError(
  value: unknown,
): value is WebMessagingUnavailableError {
  return hasErrorCode(value, WebMessagingUnavailableError.CODE);
}
