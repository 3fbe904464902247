/**
 * The testing kit as a team gets it: the library is compiled, packed with `npm pack`, and
 * unpacked into a temp copy of test/fixtures/testing-kit-consumer, whose examples import
 * `genesys-transmitter/testing` by its public name. A broken `exports` map, a missing `types`
 * condition or a file left out of the package fails here.
 *
 * Installing: the tarball is unpacked as npm would unpack it into node_modules, and its own
 * dependencies resolve from this project's node_modules (linked as the package's nested
 * node_modules) instead of being fetched again, so better-sqlite3 is never rebuilt and the
 * test runs offline.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/fixtures/testing-kit-consumer');
const bin = {
  tsc: join(root, 'node_modules/typescript/bin/tsc'),
  vitest: join(root, 'node_modules/vitest/vitest.mjs'),
};

interface Ran {
  readonly code: number;
  readonly output: string;
}

async function node(args: readonly string[], cwd: string): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    const code = typeof failed.code === 'number' ? failed.code : -1;
    return { code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

let work = '';
let consumer = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gtx-testing-kit-'));
  // Build into a staging copy of the package rather than the shared dist/, then pack that.
  const staging = join(work, 'package');
  mkdirSync(staging);
  for (const entry of ['package.json', 'bin', 'LICENSE']) {
    cpSync(join(root, entry), join(staging, entry), { recursive: true });
  }
  const build = await node(
    // --noCheck: emit only; `npm run typecheck` is what checks these sources.
    [bin.tsc, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', join(staging, 'dist')],
    root,
  );
  if (build.code !== 0) throw new Error(`the build failed:\n${build.output}`);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work, staging], {
    cwd: work,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (packed === undefined) throw new Error('npm pack wrote no tarball');

  consumer = join(work, 'consumer');
  cpSync(fixture, consumer, { recursive: true, filter: (path) => !path.includes('node_modules') });
  const modules = join(consumer, 'node_modules');
  mkdirSync(modules);
  await run('tar', ['-xzf', join(work, packed.filename), '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'genesys-transmitter'));
  symlinkSync(join(root, 'node_modules'), join(modules, 'genesys-transmitter/node_modules'), 'dir');
  mkdirSync(join(modules, '@types'));
  symlinkSync(join(root, 'node_modules/@types/node'), join(modules, '@types/node'), 'dir');
  symlinkSync(join(root, 'node_modules/vitest'), join(modules, 'vitest'), 'dir');
}, 120_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('genesys-transmitter/testing, installed from the packed tarball', () => {
  it('ships only the compiled library, with the testing entry point and its types', () => {
    const installed = join(consumer, 'node_modules/genesys-transmitter/dist/src');
    expect(readdirSync(join(installed, 'testing'))).toEqual(
      expect.arrayContaining(['index.js', 'index.d.ts']),
    );
    expect(readdirSync(installed)).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    expect(readdirSync(join(installed, 'sandbox'))).toEqual(
      expect.arrayContaining(['index.js', 'index.d.ts']),
    );
  });

  it("type-checks the team's code and examples against the published types", async () => {
    const typecheck = await node([bin.tsc, '-p', 'tsconfig.json'], consumer);
    expect(typecheck.output).toBe('');
    expect(typecheck.code).toBe(0);
  }, 60_000);

  it('runs the three documented examples under vitest', async () => {
    const tests = await node([bin.vitest, 'run', '--reporter=verbose'], consumer);
    expect(tests.output).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(tests.output).toContain('gets through two rate limits and an outage');
    expect(tests.output).toContain('delivers an order notification through the real SDK');
    expect(tests.output).toContain(
      'EventStore contract: MeteredEventStore over the in-memory store',
    );
    expect(tests.code).toBe(0);
  }, 60_000);

  it('runs the event store and work queue contracts under node:test with nodeTestApi()', async () => {
    const tests = await node(['--test', 'examples/node-test/ledger.contract.test.mjs'], consumer);
    expect(tests.output).toMatch(/# fail 0/);
    const passed = Number(/# pass (\d+)/.exec(tests.output)?.[1] ?? 0);
    expect(passed).toBeGreaterThan(20);
    expect(tests.code).toBe(0);
  }, 60_000);

  it('fails a broken event store under node:test: the node:assert expect really asserts', async () => {
    const tests = await node(['--test', 'checks/broken-ledger.contract.test.mjs'], consumer);
    expect(tests.code).not.toBe(0);
    expect(Number(/# fail (\d+)/.exec(tests.output)?.[1] ?? 0)).toBeGreaterThan(0);
  }, 60_000);

  it('keeps the internals private: only the exported entry points resolve', async () => {
    const probe = (specifier: string) =>
      node(['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], consumer);
    expect((await probe('genesys-transmitter')).code).toBe(0);
    expect((await probe('genesys-transmitter/testing')).code).toBe(0);
    expect((await probe('genesys-transmitter/sandbox')).code).toBe(0);
    const deep = await probe('genesys-transmitter/dist/src/main.js');
    expect(deep.output).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 30_000);
});
