import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../src/application/ledger/canonical-json.js';
import { thrownBy } from '../../../support/failures.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 2 }], a: 'x', c: null, d: true })).toBe(
      '{"a":"x","b":[3,{"a":2,"z":1}],"c":null,"d":true}',
    );
  });

  it('orders keys by UTF-16 code units, as RFC 8785 does', () => {
    // Keys from RFC 8785 §3.2.3: "\r" (0x0D) < "1" (0x31) < U+20AC < U+1F600 (0xD83D 0xDE00).
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ud83d\ude00': 'Emoji',
      '1': 'One',
    };
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji"}',
    );
  });

  it('writes numbers as ECMAScript does, -0 as 0', () => {
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 333333333.3333333, 4.5])).toBe(
      '[1e+21,1e-7,0.1,0,333333333.3333333,4.5]',
    );
  });

  it('escapes strings as JSON.stringify does', () => {
    expect(canonicalJson('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\u0001é"');
  });

  it('omits undefined properties, as a JSON round trip would', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['undefined in an array', [1, undefined]],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a lone surrogate', '\ud800x'],
    ['undefined at the top', undefined],
  ])('refuses %s', (_name, value) => {
    expect(thrownBy(() => canonicalJson(value)).code).toBe('NOT_CANONICAL_JSON');
  });

  it('refuses cycles but accepts a shared, acyclic object', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(thrownBy(() => canonicalJson(cyclic)).code).toBe('NOT_CANONICAL_JSON');
  });

  it('names the path of the offending value', () => {
    expect(() => canonicalJson({ a: [{ 'b/c': Number.NaN }] })).toThrow('/a/0/b~1c');
  });

  it('is stable under a JSON round trip and agrees with JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        const reparsed: unknown = JSON.parse(text);
        expect(canonicalJson(reparsed)).toBe(text);
        expect(reparsed).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('agrees with a plain reference encoder on any JSON value', () => {
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      if (typeof value !== 'object' || value === null) return JSON.stringify(value);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(record[k])}`).join(',')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
    );
  });

  it('names the path of a refused value at any depth, escaping ~ and /', () => {
    expect(() => canonicalJson({ 'x~y': [1, 2, { z: ['\ud800'] }] })).toThrow('/x~0y/2/z/0');
    expect(() => canonicalJson([[undefined]])).toThrow('/0/0');
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });
});
