import { createRequire } from 'node:module';
import type platformClient from 'purecloud-platform-client-v2';

const requireFromHere = createRequire(import.meta.url);
let sdk: typeof platformClient | null = null;

/**
 * The Genesys SDK module, loaded on first use rather than at import: it is about 56 MiB of
 * resident memory, and a process that never talks to Genesys (an audit, an export, a library
 * user with their own transport) should not carry it. The SDK is CommonJS, so `require` returns
 * the same object a default import would, synchronously.
 */
export function genesysSdk(): typeof platformClient {
  sdk ??= requireFromHere('purecloud-platform-client-v2') as typeof platformClient;
  return sdk;
}
