import { IntakeOptionsError } from '../../application/intake/broker-errors.js';

/** A broker URL read once: its parts, and a form safe to log (no user, password or token). */
export interface BrokerUrl {
  readonly url: URL;
  /** `nats://127.0.0.1:4222`: what errors and logs name. */
  readonly safe: string;
  readonly user: string | null;
  readonly password: string | null;
}

/** Reads `--from`; a URL that cannot be read is named without its credentials. */
export function readBrokerUrl(
  text: string,
  schemes: readonly string[],
  option = 'from',
): BrokerUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IntakeOptionsError(option, 'is not a URL (e.g. nats://127.0.0.1:4222)');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) {
    throw new IntakeOptionsError(
      option,
      `must be a ${schemes.join(':// or ')}:// URL (got ${scheme}://)`,
    );
  }
  if (url.hostname === '') throw new IntakeOptionsError(option, 'names no host');
  const user = url.username === '' ? null : decodeURIComponent(url.username);
  const password = url.password === '' ? null : decodeURIComponent(url.password);
  const path = url.pathname === '/' ? '' : url.pathname;
  return { url, safe: `${scheme}://${url.host}${path}`, user, password };
}
