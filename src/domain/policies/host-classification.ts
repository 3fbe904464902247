/**
 * Where a host name points, as far as can be told without DNS. Attachment URLs are fetched
 * by Genesys or by our own pipeline, so an address inside a private network is a
 * server-side request forgery risk and is refused.
 *
 * Accepts a WHATWG-normalised `URL.hostname` (IPv6 in brackets, IPv4 in dotted decimal) and
 * also raw spellings such as `2130706433`, `0x7f.1`, `0177.0.0.1` or `::ffff:127.0.0.1`,
 * which are parsed the way the WHATWG URL standard parses them.
 *
 * A public name can still resolve to a private address (DNS rebinding, `127.0.0.1.nip.io`):
 * whoever resolves the name must check the resolved address too.
 */

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
    const groups = parseIpv6(host.replace(/^\[/u, '').replace(/\]$/u, ''));
    return groups === undefined ? 'invalid' : classifyIpv6(groups);
  }
  if (looksLikeIpv4(host)) {
    const address = parseIpv4(host);
    return address === undefined ? 'invalid' : classifyIpv4(address);
  }
  if (host === '') return 'invalid';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'public';
}

// ---------------------------------------------------------------------------------------
// IPv4

interface Ipv4Range {
  readonly base: number;
  readonly prefix: number;
  readonly class: HostClass;
}

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

// Most specific first: 255.255.255.255 sits inside 240.0.0.0/4.
const IPV4_RANGES: readonly Ipv4Range[] = [
  { base: ipv4(0, 0, 0, 0), prefix: 8, class: 'unspecified' }, // "this network"; 0.0.0.0 reaches localhost on Linux
  { base: ipv4(127, 0, 0, 0), prefix: 8, class: 'loopback' },
  { base: ipv4(10, 0, 0, 0), prefix: 8, class: 'private' },
  { base: ipv4(172, 16, 0, 0), prefix: 12, class: 'private' },
  { base: ipv4(192, 168, 0, 0), prefix: 16, class: 'private' },
  { base: ipv4(100, 64, 0, 0), prefix: 10, class: 'private' }, // carrier-grade NAT
  { base: ipv4(169, 254, 0, 0), prefix: 16, class: 'linkLocal' },
  { base: ipv4(224, 0, 0, 0), prefix: 4, class: 'multicast' },
  { base: ipv4(240, 0, 0, 0), prefix: 4, class: 'reserved' }, // includes broadcast
  { base: ipv4(192, 0, 0, 0), prefix: 24, class: 'reserved' }, // IETF protocol assignments
  { base: ipv4(192, 0, 2, 0), prefix: 24, class: 'reserved' }, // TEST-NET-1
  { base: ipv4(198, 18, 0, 0), prefix: 15, class: 'reserved' }, // benchmarking
  { base: ipv4(198, 51, 100, 0), prefix: 24, class: 'reserved' }, // TEST-NET-2
  { base: ipv4(203, 0, 113, 0), prefix: 24, class: 'reserved' }, // TEST-NET-3
];

function classifyIpv4(address: number): HostClass {
  for (const range of IPV4_RANGES) {
    const mask = range.prefix === 0 ? 0 : (~0 << (32 - range.prefix)) >>> 0;
    if ((address & mask) >>> 0 === range.base) return range.class;
  }
  return 'public';
}

const IPV4_NUMBER = /^(?:0x[0-9a-f]*|[0-9]+)$/u;

/** The WHATWG "ends in a number" check: such a host is an IPv4 address or nothing. */
function looksLikeIpv4(host: string): boolean {
  const parts = host.split('.');
  const last = parts[parts.length - 1] ?? '';
  return IPV4_NUMBER.test(last);
}

/**
 * WHATWG IPv4 parsing: one to four parts, each decimal, octal (leading 0) or hex (0x); the
 * last part fills the remaining bytes, so `127.1` is 127.0.0.1 and `2130706433` is too.
 */
function parseIpv4(host: string): number | undefined {
  const parts = host.split('.');
  if (parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Number(part);
    if (value === undefined) return undefined;
    numbers.push(value);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((value) => value > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let address = 0;
  numbers.forEach((value, index) => {
    address += value * 256 ** (3 - index);
  });
  return address + last;
}

function parseIpv4Number(part: string): number | undefined {
  if (part === '') return undefined;
  let digits = part;
  let radix = 10;
  if (/^0x/u.test(part)) {
    digits = part.slice(2);
    radix = 16;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  if (digits === '') return 0;
  const valid = radix === 16 ? /^[0-9a-f]+$/u : radix === 8 ? /^[0-7]+$/u : /^[0-9]+$/u;
  if (!valid.test(digits)) return undefined;
  const value = Number.parseInt(digits, radix);
  return Number.isSafeInteger(value) ? value : undefined;
}

// ---------------------------------------------------------------------------------------
// IPv6

/** Parses an IPv6 literal (with `::` and an optional dotted IPv4 tail) into 8 groups. */
function parseIpv6(text: string): readonly number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseIpv6Groups(text: string): number[] | undefined {
  if (text === '') return [];
  const pieces = text.split(':');
  const groups: number[] = [];
  for (const [index, piece] of pieces.entries()) {
    if (index === pieces.length - 1 && piece.includes('.')) {
      const address = parseDottedDecimal(piece);
      if (address === undefined) return undefined;
      groups.push(Math.floor(address / 0x10000), address % 0x10000);
    } else if (/^[0-9a-f]{1,4}$/u.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
    } else return undefined;
  }
  return groups;
}

/** Inside IPv6 only strict dotted decimal is allowed. */
function parseDottedDecimal(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(?:0|[1-9][0-9]{0,2})$/u.test(part))) {
    return undefined;
  }
  const bytes = parts.map(Number);
  if (bytes.some((byte) => byte > 255)) return undefined;
  return bytes.reduce((acc, byte) => acc * 256 + byte, 0);
}

function classifyIpv6(groups: readonly number[]): HostClass {
  const g = (index: number): number => groups[index] ?? 0;
  const embeddedIpv4 = (high: number, low: number): number => g(high) * 0x10000 + g(low);
  const firstFiveZero = [0, 1, 2, 3, 4].every((index) => g(index) === 0);

  if (groups.every((group) => group === 0)) return 'unspecified';
  if (firstFiveZero && g(5) === 0 && g(6) === 0 && g(7) === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible) reach the IPv4 host.
  if (firstFiveZero && (g(5) === 0xffff || g(5) === 0)) return classifyIpv4(embeddedIpv4(6, 7));
  // 64:ff9b::/96, the NAT64 well-known prefix, translates to the embedded IPv4 host.
  if (g(0) === 0x64 && g(1) === 0xff9b && [2, 3, 4, 5].every((index) => g(index) === 0)) {
    return classifyIpv4(embeddedIpv4(6, 7));
  }
  // 2002::/16 (6to4) embeds the IPv4 host in bits 16–47.
  if (g(0) === 0x2002) {
    const inner = classifyIpv4(embeddedIpv4(1, 2));
    if (inner !== 'public') return inner;
  }
  if ((g(0) & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((g(0) & 0xffc0) === 0xfe80) return 'linkLocal'; // fe80::/10
  if ((g(0) & 0xffc0) === 0xfec0) return 'private'; // fec0::/10, deprecated site-local
  if ((g(0) & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if (g(0) === 0x2001 && g(1) === 0x0db8) return 'reserved'; // documentation
  return 'public';
}
