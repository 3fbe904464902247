import { GtxError } from '../../domain/index.js';

/**
 * What can stop a broker intake, each with its own code (and `gtx consume` exit code). `target`
 * never carries credentials: adapters pass the URL with its user and password removed.
 */

/** Nothing answers at the broker's address, or the connection broke before it was usable. */
export class BrokerUnreachableError extends GtxError {
  constructor(target: string, reason: string, cause?: unknown) {
    super('BROKER_UNREACHABLE', `cannot reach the broker at ${target}: ${reason}`, {
      cause,
      details: { target },
    });
  }
}

/** The broker refused the user, password or token (or the virtual host they may use). */
export class BrokerAuthError extends GtxError {
  constructor(target: string, reason: string, cause?: unknown) {
    super('BROKER_AUTH_FAILED', `the broker at ${target} refused the credentials: ${reason}`, {
      cause,
      details: { target },
    });
  }
}

export type BrokerResource = 'stream' | 'consumer' | 'queue' | 'exchange';

/** The stream, consumer, queue or exchange we were told to use does not exist. */
export class BrokerNotFoundError extends GtxError {
  constructor(target: string, resource: BrokerResource, name: string, cause?: unknown) {
    super('BROKER_NOT_FOUND', `the ${resource} "${name}" does not exist at ${target}`, {
      cause,
      details: { target, resource, name },
    });
  }
}

/** The intake's options cannot work: a URL we cannot read, a consumer set up differently. */
export class IntakeOptionsError extends GtxError {
  constructor(option: string, reason: string) {
    super('INTAKE_OPTIONS_INVALID', `${option}: ${reason}`, { details: { option } });
  }
}

/** The source stopped while running and cannot go on (its stream or queue was deleted). */
export class BrokerSourceFailedError extends GtxError {
  constructor(target: string, reason: string, cause?: unknown) {
    super('BROKER_SOURCE_FAILED', `the broker source ${target} stopped: ${reason}`, {
      cause,
      details: { target },
    });
  }
}
