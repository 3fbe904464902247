/**
 * Attachment URLs are fetched by someone else's server, so they must be HTTPS, carry no
 * credentials, and point at a public host: anything else could leak secrets or reach
 * into a private network. `http://` is allowed only for loopback hosts, and only when the
 * policy lets loopback through (the sandbox demo serves attachments locally).
 */
import type { Violation } from '../violation.js';
import type { CompiledPolicy } from './compile-policy.js';
import { classifyHost, type HostClass } from './host-classification.js';

const HOST_DESCRIPTIONS: Readonly<Record<Exclude<HostClass, 'public'>, string>> = {
  loopback: 'a loopback host',
  private: 'a private network address',
  linkLocal: 'a link-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  invalid: 'not a valid address',
};

// WHATWG URL silently drops tabs and newlines, trims spaces and reads `\` as `/`; whoever
// fetches the URL may parse it differently and reach another host than the one checked
// here, so such URLs are refused rather than normalised.
const AMBIGUOUS_URL_CHARACTERS = /[\s\\\p{Cc}]/u;

export function validateAttachmentUrl(
  url: unknown,
  pointer: string,
  policy: CompiledPolicy,
): Violation[] {
  if (typeof url === 'string' && AMBIGUOUS_URL_CHARACTERS.test(url)) {
    return [
      {
        code: 'ATTACHMENT_URL_INVALID',
        field: pointer,
        message: 'url must not contain white space, control characters or backslashes',
      },
    ];
  }
  const parsed = typeof url === 'string' ? parseUrl(url) : undefined;
  if (parsed === undefined) {
    return [{ code: 'ATTACHMENT_URL_INVALID', field: pointer, message: 'url is not a valid URL' }];
  }
  const violations: Violation[] = [];
  const hostClass = classifyHost(parsed.hostname);
  const loopbackAllowed = policy.settings.allowLoopbackAttachmentUrls && hostClass === 'loopback';
  const schemeAllowed =
    parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopbackAllowed);
  if (!schemeAllowed) {
    violations.push({
      code: 'ATTACHMENT_URL_NOT_HTTPS',
      field: pointer,
      message: 'url must use https',
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    violations.push({
      code: 'ATTACHMENT_URL_HAS_CREDENTIALS',
      field: pointer,
      message: 'url must not contain a user name or password',
    });
  }
  // A URL without a host (data:, mailto:) is already refused for its scheme.
  if (parsed.hostname !== '' && hostClass !== 'public' && !loopbackAllowed) {
    violations.push({
      code: 'ATTACHMENT_URL_HOST_NOT_ALLOWED',
      field: pointer,
      message: `url host ${parsed.hostname} is ${HOST_DESCRIPTIONS[hostClass]}`,
    });
  }
  return violations;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
