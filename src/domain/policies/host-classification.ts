/**
 * Where a host name points, as far as can be told without DNS. Attachment URLs are fetched
 * by Genesys or by our own pipeline, so an address inside a private network is a
 * server-side request forgery risk and is refused.
 *
 * Accepts a WHATWG-normalised `URL.hostname` (IPv6 in brackets, IPv4 in dotted decimal) and
 * also raw spellings such as `2130706433`, `0x7f.1`, `0177.0.0.1` or `::ffff:127.0.0.1`,
 * which are parsed the way the WHATWG URL standard parses them.
 *
 * ipaddr.js does the parsing. It reads every WHATWG IPv4 spelling (one to four parts, decimal,
 * octal or hex) except a bare `0x`, and it is more lenient than WHATWG inside IPv6 (zone ids,
 * groups of more than four digits, an embedded IPv4 in octal or hex); `normaliseIpv4` and
 * `normaliseIpv6` close exactly those gaps. The ranges are ours, not ipaddr.js's `range()`
 * names, so that what counts as public is decided here.
 *
 * A public name can still resolve to a private address (DNS rebinding, `127.0.0.1.nip.io`):
 * whoever resolves the name must check the resolved address too.
 */
import ipaddr from 'ipaddr.js';

export type HostClass =
  | 'loopback'
  | 'private'
  | 'linkLocal'
  | 'unspecified'
  | 'multicast'
  /** Broadcast, documentation, benchmarking and other reserved ranges. */
  | 'reserved'
  /** Looks like an IP literal but is not a valid one. */
  | 'invalid'
  | 'public';

export function classifyHost(hostname: string): HostClass {
  const host = hostname.toLowerCase().replace(/\.$/u, '');
  if (host.startsWith('[') || host.includes(':')) {
    const text = normaliseIpv6(host.replace(/^\[/u, '').replace(/\]$/u, ''));
    return text === undefined || !ipaddr.IPv6.isValid(text)
      ? 'invalid'
      : classifyIpv6(ipaddr.IPv6.parse(text));
  }
  if (endsInANumber(host)) {
    const text = normaliseIpv4(host);
    return ipaddr.IPv4.isValid(text) ? classifyIpv4(ipaddr.IPv4.parse(text)) : 'invalid';
  }
  if (host === '') return 'invalid';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'public';
}

// ---------------------------------------------------------------------------------------
// IPv4

type Ipv4Range = readonly [HostClass, [ipaddr.IPv4, number]];

const v4 = (cidr: string): [ipaddr.IPv4, number] => ipaddr.IPv4.parseCIDR(cidr);

// Most specific first: 255.255.255.255 sits inside 240.0.0.0/4.
const IPV4_RANGES: readonly Ipv4Range[] = [
  ['unspecified', v4('0.0.0.0/8')], // "this network"; 0.0.0.0 reaches localhost on Linux
  ['loopback', v4('127.0.0.0/8')],
  ['private', v4('10.0.0.0/8')],
  ['private', v4('172.16.0.0/12')],
  ['private', v4('192.168.0.0/16')],
  ['private', v4('100.64.0.0/10')], // carrier-grade NAT
  ['linkLocal', v4('169.254.0.0/16')],
  ['multicast', v4('224.0.0.0/4')],
  ['reserved', v4('240.0.0.0/4')], // includes broadcast
  ['reserved', v4('192.0.0.0/24')], // IETF protocol assignments
  ['reserved', v4('192.0.2.0/24')], // TEST-NET-1
  ['reserved', v4('198.18.0.0/15')], // benchmarking
  ['reserved', v4('198.51.100.0/24')], // TEST-NET-2
  ['reserved', v4('203.0.113.0/24')], // TEST-NET-3
];

function classifyIpv4(address: ipaddr.IPv4): HostClass {
  return IPV4_RANGES.find(([, range]) => address.match(range))?.[0] ?? 'public';
}

const IPV4_NUMBER = /^(?:0x[0-9a-f]*|[0-9]+)$/u;

/** The WHATWG "ends in a number" check: such a host is an IPv4 address or nothing. */
function endsInANumber(host: string): boolean {
  return IPV4_NUMBER.test(host.split('.').at(-1) ?? '');
}

/** WHATWG reads a bare `0x` part as zero; ipaddr.js refuses it. */
function normaliseIpv4(host: string): string {
  return host
    .split('.')
    .map((part) => (part === '0x' ? '0' : part))
    .join('.');
}

// ---------------------------------------------------------------------------------------
// IPv6

const IPV6_TEXT = /^[0-9a-f:.]*$/u;
const IPV6_GROUP = /^[0-9a-f]{0,4}$/u;
/** Inside IPv6 only strict dotted decimal is allowed: no octal, no hex, no short form. */
const DOTTED_DECIMAL = /^(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}$/u;

/**
 * What ipaddr.js would accept but WHATWG refuses becomes undefined: a zone id or any other
 * character, a group of more than four hex digits, an IPv4 tail that is not strict dotted
 * decimal. A valid IPv4 tail becomes its two hex groups.
 */
function normaliseIpv6(text: string): string | undefined {
  if (!IPV6_TEXT.test(text)) return undefined;
  const groups = text.split(':');
  const tail = groups.at(-1) ?? '';
  if (tail.includes('.')) {
    if (!DOTTED_DECIMAL.test(tail)) return undefined;
    const bytes = tail.split('.').map(Number);
    if (bytes.some((byte) => byte > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = bytes;
    groups.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  return groups.every((group) => IPV6_GROUP.test(group)) ? groups.join(':') : undefined;
}

const v6 = (cidr: string): [ipaddr.IPv6, number] => ipaddr.IPv6.parseCIDR(cidr);

const LOOPBACK = v6('::1/128');
const IPV4_MAPPED = v6('::ffff:0:0/96');
/** ::a.b.c.d, the deprecated IPv4-compatible form (:: and ::1 are told apart first). */
const IPV4_COMPATIBLE = v6('::/96');
/** The NAT64 well-known prefix translates to the embedded IPv4 host. */
const NAT64 = v6('64:ff9b::/96');
/** 6to4 embeds the IPv4 host in bits 16–47. */
const SIX_TO_FOUR = v6('2002::/16');

const IPV6_RANGES: readonly (readonly [HostClass, [ipaddr.IPv6, number]])[] = [
  ['private', v6('fc00::/7')], // unique local
  ['linkLocal', v6('fe80::/10')],
  ['private', v6('fec0::/10')], // deprecated site-local
  ['multicast', v6('ff00::/8')],
  ['reserved', v6('2001:db8::/32')], // documentation
];

function classifyIpv6(address: ipaddr.IPv6): HostClass {
  const bytes = address.toByteArray();
  const embedded = (from: number): HostClass =>
    classifyIpv4(new ipaddr.IPv4(bytes.slice(from, from + 4)));
  if (bytes.every((byte) => byte === 0)) return 'unspecified';
  if (address.match(LOOPBACK)) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible) reach the IPv4 host.
  if (address.match(IPV4_MAPPED) || address.match(IPV4_COMPATIBLE)) return embedded(12);
  if (address.match(NAT64)) return embedded(12);
  if (address.match(SIX_TO_FOUR)) {
    const inner = embedded(2);
    if (inner !== 'public') return inner;
  }
  return IPV6_RANGES.find(([, range]) => address.match(range))?.[0] ?? 'public';
}
