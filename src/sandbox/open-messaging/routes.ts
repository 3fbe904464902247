import type { MessagingEndpoint } from '../types.js';

export type Route =
  | { readonly kind: 'token' }
  | {
      readonly kind: 'messaging';
      readonly endpoint: MessagingEndpoint;
      readonly integrationId: string;
      readonly prefetchConversationId: boolean;
    }
  | { readonly kind: 'adminMessages' }
  | { readonly kind: 'adminHealth' }
  | { readonly kind: 'methodNotAllowed'; readonly allow: string; readonly counted: boolean }
  | { readonly kind: 'notFound' };

// The exact paths the SDK builds through a gateway (contract §1.6, §3.1).
const MESSAGING_PATH =
  /^\/api\/v2\/conversations\/messages\/([^/]+)\/inbound\/open\/(message|receipt|event)$/;

function splitUrl(url: string): { path: string; query: string } {
  const queryStart = url.indexOf('?');
  return queryStart === -1
    ? { path: url, query: '' }
    : { path: url.slice(0, queryStart), query: url.slice(queryStart + 1) };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function isMessagingEndpoint(value: string | undefined): value is MessagingEndpoint {
  return value === 'message' || value === 'receipt' || value === 'event';
}

function messagingRoute(method: string, path: string, query: string): Route | null {
  const match = MESSAGING_PATH.exec(path);
  if (match === null) return null;
  const [, rawIntegrationId = '', endpoint] = match;
  const integrationId = decodeSegment(rawIntegrationId);
  if (integrationId === null || integrationId.trim() === '' || !isMessagingEndpoint(endpoint)) {
    return { kind: 'notFound' };
  }
  if (method !== 'POST') return { kind: 'methodNotAllowed', allow: 'POST', counted: true };
  const prefetch = query === '' ? null : new URLSearchParams(query).get('prefetchConversationId');
  return {
    kind: 'messaging',
    endpoint,
    integrationId,
    prefetchConversationId: prefetch === 'true',
  };
}

function fixedRoute(method: string, path: string): Route | null {
  switch (path) {
    case '/oauth/token':
      return method === 'POST'
        ? { kind: 'token' }
        : { kind: 'methodNotAllowed', allow: 'POST', counted: true };
    case '/__sandbox/messages':
      return method === 'GET'
        ? { kind: 'adminMessages' }
        : { kind: 'methodNotAllowed', allow: 'GET', counted: false };
    case '/__sandbox/health':
      return method === 'GET'
        ? { kind: 'adminHealth' }
        : { kind: 'methodNotAllowed', allow: 'GET', counted: false };
    default:
      return null;
  }
}

export function matchRoute(method: string, url: string): Route {
  const { path, query } = splitUrl(url);
  return fixedRoute(method, path) ?? messagingRoute(method, path, query) ?? { kind: 'notFound' };
}
