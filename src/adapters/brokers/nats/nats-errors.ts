import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { AuthorizationError, ConnectionError } from '@nats-io/transport-node';
import {
  BrokerAuthError,
  BrokerNotFoundError,
  BrokerSourceFailedError,
  BrokerUnreachableError,
} from '../../../application/intake/broker-errors.js';
import { isGtxError } from '../../../domain/index.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What connecting, or checking the stream and consumer, ran into, as our coded errors. */
export function natsStartError(
  error: unknown,
  target: string,
  names: { readonly stream: string; readonly consumer?: string },
): Error {
  if (isGtxError(error)) return error;
  if (error instanceof AuthorizationError || /authoriz|authentication/i.test(messageOf(error))) {
    return new BrokerAuthError(target, messageOf(error), error);
  }
  const apiCode = error instanceof JetStreamApiError ? error.code : null;
  if (apiCode === JetStreamApiCodes.StreamNotFound) {
    return new BrokerNotFoundError(target, 'stream', names.stream, error);
  }
  if (apiCode === JetStreamApiCodes.ConsumerNotFound) {
    return new BrokerNotFoundError(target, 'consumer', names.consumer ?? '', error);
  }
  if (
    apiCode === JetStreamApiCodes.JetStreamNotEnabledForAccount ||
    (error instanceof Error && error.name === 'JetStreamNotEnabled')
  ) {
    return new BrokerUnreachableError(target, 'JetStream is not enabled on this server', error);
  }
  if (error instanceof ConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
    return new BrokerUnreachableError(target, detail, error);
  }
  return new BrokerUnreachableError(target, messageOf(error), error);
}

/** What ended a running subscription. */
export function natsRunError(error: unknown, target: string): Error {
  if (isGtxError(error)) return error;
  return new BrokerSourceFailedError(target, messageOf(error), error);
}

export function isConsumerNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound;
}
