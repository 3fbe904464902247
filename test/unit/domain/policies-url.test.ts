import { describe, expect, it } from 'vitest';
import type { Violation } from '../../../src/domain/violation.js';
import {
  classifyHost,
  compilePolicy,
  validateCommand,
} from '../../../src/domain/policies/index.js';
import {
  aMessage,
  anAttachment,
  codesOf,
  defaultPolicy,
  untrustedAttachment,
} from './policy-fixtures.js';

const sandboxPolicy = compilePolicy({ allowLoopbackAttachmentUrls: true });

function urlViolations(url: unknown, policy = defaultPolicy): readonly Violation[] {
  return validateCommand(aMessage({ attachments: [untrustedAttachment({ url })] }), policy);
}

describe('attachment URL policy', () => {
  it.each([
    'https://cdn.example.com/a.png',
    'https://CDN.Example.COM./a.png?x=1#frag',
    'https://8.8.8.8/a.png',
    'https://[2001:4860:4860::8888]/a.png',
    'https://172.32.0.1/a.png',
    'https://münchen.example/a.png',
  ])('accepts %s', (url) => {
    expect(urlViolations(url)).toEqual([]);
  });

  it.each([
    'not a url',
    '',
    '//cdn.example.com/a.png',
    'https://',
    'https://exa mple.com/',
    'https://[::1/',
    'https://256.256.256.256/',
    42,
    null,
  ])('ATTACHMENT_URL_INVALID: %j', (url) => {
    expect(codesOf(urlViolations(url))).toEqual(['ATTACHMENT_URL_INVALID']);
  });

  it.each([
    ['a tab inside the host', 'https://127.0.0.\t1/a'],
    ['a newline', 'https://cdn.example.com/a\n.png'],
    ['a leading space', ' https://cdn.example.com/a.png'],
    ['a backslash', 'https://evil.example\\@cdn.example.com/a'],
    ['a NUL', 'https://cdn.example.com/\u0000'],
  ])('ATTACHMENT_URL_INVALID for characters parsers disagree on: %s', (_name, url) => {
    expect(codesOf(urlViolations(url))).toEqual(['ATTACHMENT_URL_INVALID']);
  });

  it.each([
    'http://cdn.example.com/a.png',
    'ftp://cdn.example.com/a.png',
    'ws://cdn.example.com/a.png',
    'data:image/png;base64,AAAA',
    'javascript:alert(1)',
    'file:///etc/passwd',
  ])('ATTACHMENT_URL_NOT_HTTPS: %s', (url) => {
    expect(codesOf(urlViolations(url))).toEqual(['ATTACHMENT_URL_NOT_HTTPS']);
  });

  it.each([
    'https://user:pass@cdn.example.com/a',
    'https://user@cdn.example.com/a',
    'https://:pass@cdn.example.com/a',
  ])('ATTACHMENT_URL_HAS_CREDENTIALS: %s, without echoing them', (url) => {
    const violations = urlViolations(url);
    expect(codesOf(violations)).toEqual(['ATTACHMENT_URL_HAS_CREDENTIALS']);
    expect(violations[0]?.message).not.toMatch(/alice|s3cr3t/u);
  });

  // Every spelling of a non-public host, including those WHATWG URL normalises
  // (decimal, hex, octal, short forms, full-width dots) and IPv6 forms it does not.
  it.each([
    ['https://127.0.0.1/a', '127.0.0.1'],
    ['https://127.8.9.10/a', '127.8.9.10'],
    ['https://localhost/a', 'localhost'],
    ['https://LOCALHOST./a', 'localhost.'],
    ['https://api.localhost/a', 'api.localhost'],
    ['https://ｌｏｃａｌｈｏｓｔ/a', 'localhost'],
    ['https://2130706433/a', '127.0.0.1'],
    ['https://0x7f000001/a', '127.0.0.1'],
    ['https://0x7f.0.0.1/a', '127.0.0.1'],
    ['https://0177.0.0.1/a', '127.0.0.1'],
    ['https://017700000001/a', '127.0.0.1'],
    ['https://127.1/a', '127.0.0.1'],
    ['https://127.0.1/a', '127.0.0.1'],
    ['https://127。0。0。1/a', '127.0.0.1'],
    ['https://%31%32%37.0.0.1/a', '127.0.0.1'],
    ['https://[::1]/a', '[::1]'],
    ['https://[0:0:0:0:0:0:0:1]/a', '[::1]'],
    ['https://[::ffff:127.0.0.1]/a', '[::ffff:7f00:1]'],
    ['https://[::ffff:7f00:1]/a', '[::ffff:7f00:1]'],
    ['https://[::127.0.0.1]/a', '[::7f00:1]'],
    ['https://[64:ff9b::127.0.0.1]/a', '[64:ff9b::7f00:1]'],
    ['https://10.0.0.1/a', '10.0.0.1'],
    ['https://167772161/a', '10.0.0.1'],
    ['https://172.16.0.1/a', '172.16.0.1'],
    ['https://172.31.255.255/a', '172.31.255.255'],
    ['https://192.168.1.1/a', '192.168.1.1'],
    ['https://0xc0a80101/a', '192.168.1.1'],
    ['https://100.64.0.1/a', '100.64.0.1'],
    ['https://100.127.255.255/a', '100.127.255.255'],
    ['https://[fc00::1]/a', '[fc00::1]'],
    ['https://[fd12:3456::1]/a', '[fd12:3456::1]'],
    ['https://[::ffff:10.0.0.1]/a', '[::ffff:a00:1]'],
    ['https://[::ffff:192.168.0.1]/a', '[::ffff:c0a8:1]'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['https://[fe80::1]/a', '[fe80::1]'],
    ['https://[febf::1]/a', '[febf::1]'],
    ['https://[::ffff:169.254.169.254]/a', '[::ffff:a9fe:a9fe]'],
    ['https://0.0.0.0/a', '0.0.0.0'],
    ['https://0/a', '0.0.0.0'],
    ['https://[::]/a', '[::]'],
    ['https://[::ffff:0.0.0.0]/a', '[::ffff:0:0]'],
    ['https://224.0.0.1/a', '224.0.0.1'],
    ['https://255.255.255.255/a', '255.255.255.255'],
    ['https://[ff02::1]/a', '[ff02::1]'],
    ['https://[2002:7f00:1::]/a', '[2002:7f00:1::]'],
  ])('ATTACHMENT_URL_HOST_NOT_ALLOWED: %s', (url, host) => {
    const violations = urlViolations(url);
    expect(codesOf(violations)).toEqual(['ATTACHMENT_URL_HOST_NOT_ALLOWED']);
    expect(violations[0]?.message).toContain(`url host ${host} is`);
  });

  it('reports scheme, credentials and host of one URL together', () => {
    expect(codesOf(urlViolations('http://a:b@[::ffff:127.0.0.1]:8080/x'))).toEqual([
      'ATTACHMENT_URL_NOT_HTTPS',
      'ATTACHMENT_URL_HAS_CREDENTIALS',
      'ATTACHMENT_URL_HOST_NOT_ALLOWED',
    ]);
  });

  describe('with allowLoopbackAttachmentUrls (the sandbox demo)', () => {
    it.each([
      'http://localhost:4010/files/a.png',
      'http://127.0.0.1:4010/a.png',
      'https://127.0.0.1/a.png',
      'http://[::1]:4010/a.png',
      'http://2130706433/a.png',
      'http://[::ffff:127.0.0.1]/a.png',
      'http://demo.localhost/a.png',
    ])('accepts loopback %s', (url) => {
      expect(urlViolations(url, sandboxPolicy)).toEqual([]);
    });

    it.each([
      ['http://cdn.example.com/a', ['ATTACHMENT_URL_NOT_HTTPS']],
      ['https://10.0.0.1/a', ['ATTACHMENT_URL_HOST_NOT_ALLOWED']],
      ['http://10.0.0.1/a', ['ATTACHMENT_URL_NOT_HTTPS', 'ATTACHMENT_URL_HOST_NOT_ALLOWED']],
      ['http://169.254.169.254/a', ['ATTACHMENT_URL_NOT_HTTPS', 'ATTACHMENT_URL_HOST_NOT_ALLOWED']],
      ['http://0.0.0.0/a', ['ATTACHMENT_URL_NOT_HTTPS', 'ATTACHMENT_URL_HOST_NOT_ALLOWED']],
      ['http://user:pw@localhost/a', ['ATTACHMENT_URL_HAS_CREDENTIALS']],
    ] as const)('still refuses %s', (url, expected) => {
      expect(codesOf(urlViolations(url, sandboxPolicy))).toEqual(expected);
    });
  });

  it('checks the URL of every attachment at its own pointer', () => {
    const command = aMessage({
      attachments: [anAttachment(), anAttachment({ url: 'https://10.1.1.1/x' })],
    });
    expect(validateCommand(command, defaultPolicy).map((violation) => violation.field)).toEqual([
      '/attachments/1/url',
    ]);
  });
});

describe('classifyHost', () => {
  it.each([
    // raw IPv4 spellings, parsed as WHATWG URL would
    ['127.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0X7F.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['127.0.0.1.', 'loopback'],
    ['localhost', 'loopback'],
    ['a.b.localhost', 'loopback'],
    ['10.255.255.255', 'private'],
    ['172.16.0.0', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.0.0', 'private'],
    ['192.169.0.0', 'public'],
    ['100.64.0.0', 'private'],
    ['100.128.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['169.254.0.1', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['0x', 'unspecified'], // WHATWG reads a bare 0x as zero; ipaddr.js alone would refuse it
    ['224.0.0.251', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    // raw and bracketed IPv6
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['[0:0:0:0:0:0:0:0]', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::FFFF:7F00:1]', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['::0.0.0.1', 'loopback'], // ::1 with an IPv4 tail
    ['64:ff9b::192.168.1.1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:0808:0808::1', 'public'],
    ['fc00::1', 'private'],
    ['fdff:ffff::1', 'private'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1:2:3:4', 'linkLocal'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700:4700::1111', 'public'],
    // malformed literals and names
    ['256.0.0.1', 'invalid'],
    ['1.2.3.4.5', 'invalid'],
    ['0x1g.1', 'invalid'], // ends in a number, so it must be IPv4, and is not
    ['files.0x1g', 'public'], // does not end in a number: a domain name
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
    ['::1::', 'invalid'],
    ['[gggg::1]', 'invalid'],
    // ipaddr.js alone would accept these; WHATWG refuses them
    ['fe80::1%eth0', 'invalid'],
    ['00001::1', 'invalid'],
    ['::ffff:0177.0.0.1', 'invalid'],
    ['::ffff:0x7f.0.0.1', 'invalid'],
    ['::ffff:127.1', 'invalid'],
    ['', 'invalid'],
    ['example.com', 'public'],
    ['localhost.example.com', 'public'],
    ['mylocalhost', 'public'],
  ])('%s is %s', (host, expected) => {
    expect(classifyHost(host)).toBe(expected);
  });
});
