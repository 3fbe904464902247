import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { GtxError, hasErrorCode } from '../../domain/errors.js';
import { classifyHost } from '../../domain/policies/host-classification.js';

/**
 * Which addresses a client may connect to. `any` is for destinations the operator configured
 * (the analytics webhook, the upload URL our Genesys connection hands us); `public` is the SSRF
 * guard for URLs that came with a message, loopback allowed only for the sandbox and demos.
 */
export type AddressPolicy =
  { readonly kind: 'any' } | { readonly kind: 'public'; readonly allowLoopback: boolean };

/** Every address a name resolves to; node:dns `lookup` unless a test brings its own. */
export type HostResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const HOST_REFUSED = 'OUTBOUND_HOST_REFUSED';

/** Thrown inside the connect `lookup`; undici hands it back unchanged as the request's error. */
export class HostRefusedError extends GtxError {
  constructor(readonly detail: string) {
    super(HOST_REFUSED, `the host ${detail}`);
  }
}

export function isHostRefusedError(value: unknown): value is HostRefusedError {
  return hasErrorCode(value, HOST_REFUSED);
}

export function addressAllowed(address: string, policy: AddressPolicy): boolean {
  if (policy.kind === 'any') return true;
  const hostClass = classifyHost(address);
  return hostClass === 'public' || (hostClass === 'loopback' && policy.allowLoopback);
}

/**
 * The check on the URL itself. It is needed besides the lookup hook: a socket opened to an IP
 * literal never calls `lookup`. Returns why the host is refused, or null.
 */
export function refusedLiteral(url: URL, policy: AddressPolicy): string | null {
  return addressAllowed(url.hostname, policy) ? null : `${url.hostname} is not public`;
}

export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error === null) resolve(addresses);
      else reject(error);
    });
  });

/**
 * A connect-time `lookup` that refuses a name unless every address it resolves to passes the
 * policy, then hands the socket exactly those addresses: the address checked is the address
 * connected to, so DNS rebinding between a check and the connection cannot reach a private
 * network.
 */
export function guardedLookup(policy: AddressPolicy, resolve: HostResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = found.filter((a) => family === 0 || a.family === family);
        if (addresses.length === 0 || !addresses.every((a) => addressAllowed(a.address, policy))) {
          callback(
            new HostRefusedError(`${hostname} resolves to an address that is not public`),
            '',
            0,
          );
          return;
        }
        if (options.all === true) {
          callback(null, [...addresses]);
          return;
        }
        const [first] = addresses;
        callback(null, first?.address ?? '', first?.family ?? 4);
      },
      (error: unknown) => {
        callback(error as NodeJS.ErrnoException, '', 0);
      },
    );
  };
}
