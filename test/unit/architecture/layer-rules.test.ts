import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules in .dependency-cruiser.cjs, run the way `npm run lint:deps` runs them (the
 * depcruise CLI with the project's config): on a throw-away tree that breaks each rule on
 * purpose, and on the real src tree.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CRUISE_TIMEOUT_MS = 60_000;

interface Violation {
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
  readonly cycle?: readonly { readonly name: string }[];
}

interface CruiseOutput {
  readonly summary: {
    readonly error: number;
    readonly totalCruised: number;
    readonly violations: readonly Violation[];
    readonly optionsUsed: { readonly knownViolations?: readonly Violation[] };
  };
}

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
}

/**
 * `depcruise src --config .dependency-cruiser.cjs` in `cwd`. With the default `err` reporter
 * (what `npm run lint:deps` uses) it exits with the number of errors, so a non-zero exit is an
 * answer, not a crash; the `json` reporter always exits 0 and tells the details.
 */
function depcruise(cwd: string, outputType: 'err' | 'json'): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', outputType],
      { cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : error.code;
        if (typeof exitCode !== 'number' || stdout === '') {
          fail(new Error(`depcruise did not run: ${error?.message ?? ''} ${stderr}`));
          return;
        }
        done({ exitCode, stdout });
      },
    );
  });
}

async function cruise(cwd: string): Promise<CruiseOutput> {
  const run = await depcruise(cwd, 'json');
  return JSON.parse(run.stdout) as CruiseOutput;
}

/** One line per violation; a circle is named by its members, whichever edge reported it. */
function describeViolation(violation: Violation): string {
  if (violation.cycle !== undefined) {
    const members = [violation.from, ...violation.cycle.map((step) => step.name)];
    return `${violation.rule.name}: ${[...new Set(members)].sort().join(' <-> ')}`;
  }
  return `${violation.rule.name}: ${violation.from} -> ${violation.to}`;
}

/**
 * A small project with the same layout as ours. The comment above each file says which rule it
 * breaks; the allowed imports sit next to the forbidden ones, so a rule that fires too widely
 * fails the test just like a rule that does not fire. The wrong imports point at files that
 * import nothing back, so the only circle is the deliberate one.
 */
const FIXTURE: Readonly<Record<string, string>> = {
  'package.json': JSON.stringify({ name: 'layer-fixture', type: 'module', private: true }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      strict: true,
      skipLibCheck: true,
    },
    include: ['src'],
  }),
  // The composition root may import anything.
  'src/main.ts': [
    "import { Store } from './adapters/store/store.js';",
    "import { log } from './adapters/logging/logger.js';",
    'export const wired = [Store, log];',
  ].join('\n'),
  // The rest of the composition root may combine adapter groups too.
  'src/composition/services.ts': [
    "import { Store } from '../adapters/store/store.js';",
    "import { openLedger } from '../adapters/sqlite/sqlite-event-ledger.js';",
    "import { write } from '../adapters/cli/io.js';",
    "import { wired } from '../main.js';",
    'export const services = [Store, openLedger, write, wired];',
  ].join('\n'),

  // domain-is-pure: a domain file importing an adapter, a node built-in and a framework.
  'src/domain/order.ts': [
    "import type { Store } from '../adapters/store/store.js';",
    "import { readFileSync } from 'node:fs';",
    "import type { FastifyInstance } from 'fastify';",
    "import { isPublicHost } from './host.js';",
    'export type Order = { readonly store: Store; readonly app: FastifyInstance };',
    'export const read = readFileSync;',
    'export const check = isPublicHost;',
  ].join('\n'),
  // Allowed: the domain's package allow-list (ipaddr.js).
  'src/domain/host.ts': [
    "import ipaddr from 'ipaddr.js';",
    "export const isPublicHost = (host: string): boolean => ipaddr.parse(host).range() === 'unicast';",
  ].join('\n'),

  // no-circular: two application modules importing each other.
  'src/application/circle-a.ts': [
    "import { b } from './circle-b.js';",
    'export const a = (): number => b() + 1;',
  ].join('\n'),
  'src/application/circle-b.ts': [
    "import { a } from './circle-a.js';",
    'export const b = (): number => (a.length > 1 ? 0 : 1);',
  ].join('\n'),

  // application-not-adapters: an adapter, the composition root, an I/O package.
  // application-no-io-builtins: node:fs. Allowed: node:crypto (hashing), the domain, ports.
  'src/application/use-case.ts': [
    "import { createHash } from 'node:crypto';",
    "import { readFileSync } from 'node:fs';",
    "import type Database from 'better-sqlite3';",
    "import { Store } from '../adapters/store/store.js';",
    "import { wired } from '../main.js';",
    "import { services } from '../composition/services.js';",
    "import type { Order } from '../domain/order.js';",
    "import type { StorePort } from './ports/store.port.js';",
    'export type Deps = { readonly db: Database.Database; readonly port: StorePort; readonly order: Order };',
    "export const hash = createHash('sha256');",
    'export const parts = [readFileSync, Store, wired, services];',
  ].join('\n'),
  // no-unresolvable: an import of a file that does not exist.
  'src/application/lost.ts': "export { nothing } from './nowhere.js';",
  'src/application/report.ts': 'export interface Report { readonly count: number }',
  // ports-are-leaves: a port importing a use case. Allowed: the domain, inversify types.
  'src/application/ports/store.port.ts': [
    "import type { ServiceIdentifier } from 'inversify';",
    "import type { Order } from '../../domain/order.js';",
    "import type { Report } from '../report.js';",
    'export interface StorePort { save(order: Order): Report }',
    "export const STORE: ServiceIdentifier<StorePort> = Symbol.for('fixture.Store');",
  ].join('\n'),

  // adapters-not-composition-root: an adapter importing src/main.ts and src/composition/.
  // adapter-groups-apart: the CLI group importing the store group and a SQLite store.
  // Allowed: its own group, shared infrastructure (logging, the SQLite connection), ports.
  'src/adapters/cli/run.ts': [
    "import { wired } from '../../main.js';",
    "import { services } from '../../composition/services.js';",
    "import { Store } from '../store/store.js';",
    "import { openLedger } from '../sqlite/sqlite-event-ledger.js';",
    "import { openConnection } from '../sqlite/sqlite-connection.js';",
    "import { log } from '../logging/logger.js';",
    "import { write } from './io.js';",
    "import type { StorePort } from '../../application/ports/store.port.js';",
    'export type Port = StorePort;',
    'export const runCli = [wired, services, Store, openLedger, openConnection, log, write];',
  ].join('\n'),
  'src/adapters/cli/io.ts': 'export const write = (line: string): string => line;',
  'src/adapters/logging/logger.ts': 'export const log = (line: string): string => line;',
  'src/adapters/sqlite/sqlite-connection.ts': 'export const openConnection = (): null => null;',
  'src/adapters/sqlite/sqlite-event-ledger.ts': [
    "import { openConnection } from './sqlite-connection.js';",
    'export const openLedger = openConnection;',
  ].join('\n'),
  'src/adapters/store/store.ts': 'export class Store { save(): void {} }',

  // sandbox-apart: the sandbox importing an adapter and application code. Allowed: the domain.
  'src/sandbox/server.ts': [
    "import { Store } from '../adapters/store/store.js';",
    "import { hash } from '../application/use-case.js';",
    "import type { Order } from '../domain/order.js';",
    'export type Received = Order;',
    'export const startSandbox = [Store, hash];',
  ].join('\n'),
};

const EXPECTED_FIXTURE_VIOLATIONS = [
  'adapter-groups-apart: src/adapters/cli/run.ts -> src/adapters/sqlite/sqlite-event-ledger.ts',
  'adapter-groups-apart: src/adapters/cli/run.ts -> src/adapters/store/store.ts',
  'adapters-not-composition-root: src/adapters/cli/run.ts -> src/composition/services.ts',
  'adapters-not-composition-root: src/adapters/cli/run.ts -> src/main.ts',
  'adapters-not-composition-root: src/application/use-case.ts -> src/composition/services.ts',
  'adapters-not-composition-root: src/application/use-case.ts -> src/main.ts',
  'application-no-io-builtins: src/application/use-case.ts -> fs',
  'application-not-adapters: src/application/use-case.ts -> src/adapters/store/store.ts',
  'application-not-adapters: src/application/use-case.ts -> src/composition/services.ts',
  'application-not-adapters: src/application/use-case.ts -> src/main.ts',
  'domain-is-pure: src/domain/order.ts -> fs',
  'domain-is-pure: src/domain/order.ts -> src/adapters/store/store.ts',
  'no-circular: src/application/circle-a.ts <-> src/application/circle-b.ts',
  'no-unresolvable: src/application/lost.ts -> ./nowhere.js',
  'ports-are-leaves: src/application/ports/store.port.ts -> src/application/report.ts',
  'sandbox-apart: src/sandbox/server.ts -> src/adapters/store/store.ts',
  'sandbox-apart: src/sandbox/server.ts -> src/application/use-case.ts',
];

describe('layer rules (.dependency-cruiser.cjs)', () => {
  describe('on a tree that breaks them on purpose', () => {
    let dir = '';
    let result: CruiseOutput;
    let lint: Run;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gtx-layer-rules-'));
      for (const [path, text] of Object.entries(FIXTURE)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), `${text}\n`);
      }
      // The packages the fixture imports resolve the way they do in the project.
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      [result, lint] = await Promise.all([cruise(dir), depcruise(dir, 'err')]);
    }, CRUISE_TIMEOUT_MS);

    afterAll(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('reports exactly the wrong imports, each as an error under its rule', () => {
      const violations = result.summary.violations;
      const found = [...new Set(violations.map(describeViolation))].sort();
      // The domain's fastify import and the application's better-sqlite3 import are type-only
      // and resolve into node_modules: they must be caught too.
      expect(found).toEqual(
        [
          ...EXPECTED_FIXTURE_VIOLATIONS,
          `domain-is-pure: src/domain/order.ts -> ${packagePath(violations, 'fastify')}`,
          `application-not-adapters: src/application/use-case.ts -> ${packagePath(violations, 'better-sqlite3')}`,
        ].sort(),
      );
      expect(violations.every((violation) => violation.rule.severity === 'error')).toBe(true);
    });

    it('fails `npm run lint:deps`: one error each', () => {
      expect(result.summary.error).toBe(result.summary.violations.length);
      expect(lint.exitCode).toBe(result.summary.error);
      expect(lint.stdout).toContain('domain-is-pure: src/domain/order.ts → fs');
    });

    it('lets the allowed imports through', () => {
      const froms = (file: string) =>
        result.summary.violations
          .filter((violation) => violation.from === file)
          .map((violation) => violation.to);
      expect(froms('src/domain/host.ts')).toEqual([]);
      expect(froms('src/main.ts')).toEqual([]);
      expect(froms('src/composition/services.ts')).toEqual([]);
      expect(froms('src/adapters/store/store.ts')).toEqual([]);
      expect(froms('src/adapters/sqlite/sqlite-event-ledger.ts')).toEqual([]);
      expect(froms('src/adapters/cli/run.ts')).not.toContainEqual(
        expect.stringMatching(/logging|sqlite-connection|cli\/io|application\/ports/),
      );
      expect(froms('src/application/use-case.ts')).not.toContain('crypto');
    });
  });

  describe('on src', () => {
    let result: CruiseOutput;

    beforeAll(async () => {
      result = await cruise(ROOT);
    }, CRUISE_TIMEOUT_MS);

    it('passes with no error', () => {
      const errors = result.summary.violations
        .filter((violation) => violation.rule.severity === 'error')
        .map(describeViolation);
      expect(errors).toEqual([]);
      expect(result.summary.error).toBe(0);
      expect(result.summary.totalCruised).toBeGreaterThan(100);
    });

    it('still commits every KNOWN_VIOLATIONS entry: delete the entries whose edge is gone', () => {
      const known = result.summary.optionsUsed.knownViolations ?? [];
      const ignored = new Set(
        result.summary.violations
          .filter((violation) => violation.rule.severity === 'ignore')
          .map(describeViolation),
      );
      // The list is empty today; an entry added later must still name an edge that exists.
      const stale = known.map(describeViolation).filter((entry) => !ignored.has(entry));
      expect(stale).toEqual([]);
    });
  });
});

/** Where a package resolved to (through the node_modules symlink, so not a fixed path). */
function packagePath(violations: readonly Violation[], name: string): string {
  const hit = violations.find((violation) => violation.to.includes(`node_modules/${name}/`));
  return hit?.to ?? `<no violation into node_modules/${name}/>`;
}
