import {
  BrokerAuthError,
  BrokerNotFoundError,
  BrokerUnreachableError,
  type BrokerResource,
} from '../../../application/intake/broker-errors.js';
import { isGtxError } from '../../../domain/index.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
]);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What connecting, or checking a queue or exchange, ran into, as our coded errors. RabbitMQ
 * refuses a login with 403 ACCESS-REFUSED in the handshake, and a virtual host the user may not
 * use by closing the connection instead of opening it (530 NOT_ALLOWED).
 */
export function amqpStartError(
  error: unknown,
  target: string,
  resource?: { readonly kind: BrokerResource; readonly name: string },
): Error {
  if (isGtxError(error)) return error;
  const message = messageOf(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (/ACCESS[-_]REFUSED|\b403\b/.test(message)) return new BrokerAuthError(target, message, error);
  if (/NOT[-_]ALLOWED|\b530\b|Expected ConnectionOpenOk/.test(message)) {
    return new BrokerAuthError(target, `the virtual host was refused (${message})`, error);
  }
  if (resource !== undefined && (code === 404 || /NOT[-_]FOUND|\b404\b/.test(message))) {
    return new BrokerNotFoundError(target, resource.kind, resource.name, error);
  }
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new BrokerUnreachableError(target, message, error);
  }
  return new BrokerUnreachableError(target, message, error);
}
