export {
  addressAllowed,
  guardedLookup,
  HOST_REFUSED,
  HostRefusedError,
  isHostRefusedError,
  systemResolver,
  type AddressPolicy,
  type HostResolver,
} from './address-guard.js';
export { type OutboundFailure, type OutboundFailureCode } from './outbound-failure.js';
export {
  OutboundAnswer,
  OutboundHttpClient,
  type BodyRead,
  type Exchange,
  type OutboundHttpOptions,
  type OutboundRequest,
  type OverCap,
} from './outbound-http-client.js';
