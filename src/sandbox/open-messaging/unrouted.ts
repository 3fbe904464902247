/**
 * What a request that matched no route gets: 405 with `Allow` when the path is one of ours and
 * only the method is wrong, else 404. The routes themselves are fastify's; this only tells a
 * wrong method from a wrong path, as the real API does.
 */

export type Unrouted =
  | { readonly kind: 'methodNotAllowed'; readonly allow: string; readonly counted: boolean }
  | { readonly kind: 'notFound' };

// The exact paths the SDK builds through a gateway (contract §1.6, §3.1).
const MESSAGING_PATH =
  /^\/api\/v2\/conversations\/messages\/([^/]+)\/inbound\/open\/(message|receipt|event)$/;

const FIXED_PATHS: ReadonlyMap<string, Unrouted> = new Map([
  ['/oauth/token', { kind: 'methodNotAllowed', allow: 'POST', counted: true }],
  // The control endpoints are not counted in the stats, their wrong methods neither.
  ['/__sandbox/messages', { kind: 'methodNotAllowed', allow: 'GET', counted: false }],
  ['/__sandbox/health', { kind: 'methodNotAllowed', allow: 'GET', counted: false }],
  ['/__sandbox/outbound', { kind: 'methodNotAllowed', allow: 'GET', counted: false }],
]);

const NOT_FOUND: Unrouted = { kind: 'notFound' };

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** A blank or undecodable integration id names no integration: 404 whatever the method. */
export function isUsableIntegrationId(integrationId: string | null): integrationId is string {
  return integrationId !== null && integrationId.trim() !== '';
}

export function classifyUnrouted(url: string): Unrouted {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const fixed = FIXED_PATHS.get(path);
  if (fixed !== undefined) return fixed;
  const match = MESSAGING_PATH.exec(path);
  if (match?.[1] === undefined || !isUsableIntegrationId(decodeSegment(match[1]))) return NOT_FOUND;
  return { kind: 'methodNotAllowed', allow: 'POST', counted: true };
}
