import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

/** The assertions the contract suites use: a subset of vitest's and jest's `expect`. */
export interface ContractMatchers {
  /** `Object.is` equality. */
  toBe(expected: unknown): void;
  /** Deep equality that ignores properties whose value is `undefined`. */
  toEqual(expected: unknown): void;
  toBeGreaterThan(expected: number): void;
  toBeLessThan(expected: number): void;
  /** An array holds the item (`===`), or a string holds the substring. */
  toContain(expected: unknown): void;
  /** The expected object's properties match, recursively; others are ignored. */
  toMatchObject(expected: object): void;
}

/**
 * The runner's functions, passed in so the contract suites run under any runner. vitest's and
 * jest's `{ describe, it, expect }` satisfy it as they are; node:test has no `expect`, so use
 * `nodeTestApi()`.
 */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  expect: (actual: unknown) => ContractMatchers;
}

/** The part of `node:test` the suites need; `import { describe, it } from 'node:test'` fits. */
export interface NodeTestRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
}

/**
 * The contract test API for node:test: its `describe` and `it`, and an `expect` built on
 * `node:assert/strict`. Pass the runner explicitly, or let it load `node:test` on first use.
 */
export function nodeTestApi(runner?: NodeTestRunner): ContractTestApi {
  const { describe, it } = runner ?? loadNodeTest();
  return {
    describe: (name, body) => {
      void describe(name, body);
    },
    it: (name, body) => {
      void it(name, body);
    },
    expect: assertionsFor,
  };
}

function loadNodeTest(): NodeTestRunner {
  // Loaded lazily, so importing the kit under vitest or jest never touches node:test.
  return createRequire(import.meta.url)('node:test') as NodeTestRunner;
}

/** `expect(actual)` on node:assert, with the semantics vitest and jest give these matchers. */
export function assertionsFor(actual: unknown): ContractMatchers {
  return {
    toBe: (expected) => {
      assert.ok(Object.is(actual, expected), `expected ${show(actual)} to be ${show(expected)}`);
    },
    toEqual: (expected) => {
      assert.deepStrictEqual(withoutUndefined(actual), withoutUndefined(expected));
    },
    toBeGreaterThan: (expected) => {
      assert.ok(
        typeof actual === 'number' && actual > expected,
        `expected ${show(actual)} to be greater than ${expected}`,
      );
    },
    toBeLessThan: (expected) => {
      assert.ok(
        typeof actual === 'number' && actual < expected,
        `expected ${show(actual)} to be less than ${expected}`,
      );
    },
    toContain: (expected) => {
      const holds =
        typeof actual === 'string'
          ? typeof expected === 'string' && actual.includes(expected)
          : Array.isArray(actual) && actual.includes(expected);
      assert.ok(holds, `expected ${show(actual)} to contain ${show(expected)}`);
    },
    toMatchObject: (expected) => {
      assert.deepStrictEqual(subsetOf(actual, expected), withoutUndefined(expected));
    },
  };
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy with `undefined`-valued properties dropped and plain objects' prototypes unified. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isPlainRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) copy[key] = withoutUndefined(item);
  }
  return copy;
}

/** The part of `actual` shaped like `expected`, so a deep comparison checks only that part. */
function subsetOf(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length !== expected.length) return actual;
    return actual.map((item, index) => subsetOf(item, expected[index]));
  }
  if (isPlainRecord(expected) && typeof actual === 'object' && actual !== null) {
    const source = actual as Record<string, unknown>;
    const picked: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(expected)) {
      if (item === undefined && source[key] === undefined) continue;
      if (key in source) picked[key] = subsetOf(source[key], item);
    }
    return picked;
  }
  return withoutUndefined(actual);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    // undefined for functions and symbols, whatever the declared return type says.
    const text = JSON.stringify(value) as string | undefined;
    return text ?? String(value);
  } catch {
    return String(value);
  }
}
