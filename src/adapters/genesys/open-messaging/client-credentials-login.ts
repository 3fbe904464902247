import { classifyRejection } from './failure-classification.js';
import { GenesysAuthError, GenesysLoginFailedError } from './genesys-errors.js';
import type { ResolvedOpenMessagingOptions } from './open-messaging-options.js';
import type { SdkClient } from './sdk-client.js';
import type { IssuedToken } from './token-manager.js';

/**
 * One client-credentials login of `sdk`, whose client then holds the token. Shared by every
 * adapter that calls Genesys through the SDK (the transport, the integration directory).
 */
export async function loginWithClientCredentials(
  sdk: SdkClient,
  options: Pick<ResolvedOpenMessagingOptions, 'clientId' | 'clientSecret'>,
  signal: AbortSignal,
  nowMs: () => number,
): Promise<IssuedToken> {
  try {
    const authData = await sdk.withSignal(signal, () =>
      sdk.apiClient.loginClientCredentialsGrant(options.clientId, options.clientSecret),
    );
    // The SDK stamps the expiry with the wall clock (Date.now() + expires_in); turn it back
    // into a duration so our Clock decides when to renew.
    return { expiresInMs: authData.tokenExpiryTime - Date.now() };
  } catch (error) {
    throw loginError(error, options.clientId, nowMs());
  }
}

/**
 * The raw AxiosError of a failed login holds the request config, whose Authorization header
 * is the base64 of id:secret, so it is never kept as a `cause`: only what we classified.
 */
function loginError(
  error: unknown,
  clientId: string,
  nowMs: number,
): GenesysAuthError | GenesysLoginFailedError {
  const { failure } = classifyRejection(error, { nowMs });
  if (failure.status === 400 || failure.status === 401) {
    return new GenesysAuthError(failure.status, clientId);
  }
  return new GenesysLoginFailedError(failure);
}
