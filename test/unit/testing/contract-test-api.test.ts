import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import {
  assertionsFor,
  nodeTestApi,
  ScriptedTransport,
  VirtualClock,
  type ContractTestApi,
} from '../../../src/testing/index.js';

describe('assertionsFor: expect on node:assert', () => {
  const fails = (check: () => void) => {
    expect(check).toThrow(AssertionError);
  };

  it('toBe compares with Object.is', () => {
    assertionsFor(NaN).toBe(NaN);
    assertionsFor('a').toBe('a');
    fails(() => {
      assertionsFor(0).toBe(-0);
    });
    fails(() => {
      assertionsFor({}).toBe({});
    });
  });

  it('toEqual is deep, ignores undefined properties, and checks array length and order', () => {
    assertionsFor({ a: 1, b: undefined, c: [{ d: 2 }] }).toEqual({ a: 1, c: [{ d: 2 }] });
    assertionsFor(Object.assign(Object.create(null) as object, { a: 1 })).toEqual({ a: 1 });
    fails(() => {
      assertionsFor({ a: 1 }).toEqual({ a: 2 });
    });
    fails(() => {
      assertionsFor([1, 2]).toEqual([2, 1]);
    });
    fails(() => {
      assertionsFor([1]).toEqual([1, undefined]);
    });
    fails(() => {
      assertionsFor({ a: 1, extra: 0 }).toEqual({ a: 1 });
    });
  });

  it('toMatchObject checks only the expected properties, recursively', () => {
    assertionsFor({ kind: 'permanent', status: 400, message: 'x' }).toMatchObject({
      kind: 'permanent',
      status: 400,
    });
    assertionsFor({ a: { b: 1, c: 2 }, list: [{ x: 1, y: 2 }] }).toMatchObject({
      a: { b: 1 },
      list: [{ x: 1 }],
    });
    fails(() => {
      assertionsFor({ status: 429 }).toMatchObject({ status: 400 });
    });
    fails(() => {
      assertionsFor({ a: 1 }).toMatchObject({ b: 1 });
    });
    fails(() => {
      assertionsFor({ list: [{ x: 1 }, { x: 2 }] }).toMatchObject({ list: [{ x: 1 }] });
    });
  });

  it('compares numbers and containment', () => {
    assertionsFor(2).toBeGreaterThan(1);
    assertionsFor(1).toBeLessThan(2);
    assertionsFor(['a', 'b']).toContain('b');
    assertionsFor('hello').toContain('ell');
    fails(() => {
      assertionsFor(1).toBeGreaterThan(1);
    });
    fails(() => {
      assertionsFor('2').toBeGreaterThan(1);
    });
    fails(() => {
      assertionsFor(2).toBeLessThan(2);
    });
    fails(() => {
      assertionsFor(['a']).toContain('b');
    });
    fails(() => {
      assertionsFor({ a: 1 }).toContain('a');
    });
  });
});

describe('nodeTestApi', () => {
  it('forwards describe and it to the runner it is given', async () => {
    const seen: string[] = [];
    const bodies: (() => Promise<void>)[] = [];
    const api: ContractTestApi = nodeTestApi({
      describe: (name, body) => {
        seen.push(`describe ${name}`);
        body();
      },
      it: (name, body) => {
        seen.push(`it ${name}`);
        bodies.push(body);
        return Promise.resolve();
      },
    });
    api.describe('suite', () => {
      api.it('case', async () => {
        await Promise.resolve();
        api.expect(1).toBe(2);
      });
    });
    expect(seen).toEqual(['describe suite', 'it case']);
    await expect(bodies[0]!()).rejects.toThrow(AssertionError);
  });
});

describe('ScriptedTransport fluent script', () => {
  it('answers in script order, then the fallback set by thenAlways', async () => {
    const clock = new VirtualClock();
    const transport = new ScriptedTransport({ clock })
      .rateLimitNext(1, 2_000)
      .failNext(1, 502)
      .resetNext(1)
      .deliverNext(1)
      .rejectNext(1)
      .thenAlways({ kind: 'serverError' });
    expect(transport.remainingScript()).toBe(5);
    const request = {
      commandId: 'c',
      kind: 'typing' as const,
      conversationRef: 'g',
      content: { kind: 'typing' as const, guest: { id: 'g', idType: 'Opaque' as const } },
      attempt: 1,
    };
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await transport.send(request));
    expect(outcomes.map((o) => (o.ok ? 'ok' : `${o.failure.kind}:${o.failure.status}`))).toEqual([
      'rateLimited:429',
      'transient:502',
      'transient:null',
      'ok',
      'permanent:400',
      'transient:503',
    ]);
    const [first] = outcomes;
    expect(first?.ok === false && first.failure.retryAfterMs).toBe(2_000);
    expect(transport.calls()).toHaveLength(6);
    expect(transport.remainingScript()).toBe(0);
  });
});
