/**
 * The library as a team gets it: a copy of the checkout is packed with `npm pack`, whose own
 * scripts build it (prepack empties dist/, prepare compiles), and the tarball is unpacked into a
 * temp copy of test/fixtures/testing-kit-consumer, whose examples import
 * `genesys-transmitter/testing` by its public name. A broken `exports` map, a missing `types`
 * condition, a file left out of the package or a build npm does not run fails here; so does the
 * README's library example, run as it stands against the installed `gtx sandbox`.
 *
 * Installing: the tarball is unpacked as npm would unpack it into node_modules, and its own
 * dependencies resolve from this project's node_modules (linked as the package's nested
 * node_modules) instead of being fetched again, so better-sqlite3 is never rebuilt and the
 * test runs offline.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import dotenv from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/fixtures/testing-kit-consumer');
const bin = {
  tsc: join(root, 'node_modules/typescript/bin/tsc'),
  vitest: join(root, 'node_modules/vitest/vitest.mjs'),
  tsx: join(root, 'node_modules/tsx/dist/cli.mjs'),
};

interface Ran {
  readonly code: number;
  readonly output: string;
}

async function node(
  args: readonly string[],
  cwd: string,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1', ...extraEnv },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    const code = typeof failed.code === 'number' ? failed.code : -1;
    return { code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** What a fresh clone has that the build needs. */
const PACKED_FROM = [
  'package.json',
  'bin',
  'LICENSE',
  'README.md',
  'src',
  'tsconfig.json',
  'tsconfig.build.json',
];

let work = '';
let consumer = '';
let packedFiles: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gtx-testing-kit-'));
  // A copy of what a clone holds (no dist/), packed there so the shared dist/ is not touched.
  const staging = join(work, 'package');
  mkdirSync(staging);
  for (const entry of PACKED_FROM) {
    cpSync(join(root, entry), join(staging, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(staging, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work, staging], {
    cwd: work,
    env: { ...process.env, npm_config_loglevel: 'error' },
    maxBuffer: 32 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (packed === undefined) throw new Error('npm pack wrote no tarball');
  packedFiles = packed.files.map((file) => file.path);

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
}, 180_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('genesys-transmitter/testing, installed from the packed tarball', () => {
  it('npm pack builds the library: compiled code and types, no source maps, no sources', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'bin/gtx.js',
        'dist/src/index.js',
        'dist/src/cli.js',
        'package.json',
      ]),
    );
    expect(packedFiles.length).toBeGreaterThan(100);
    expect(packedFiles.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(packedFiles.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual(
      [],
    );
  });

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

  it('runs the installed gtx: --help lists the commands', async () => {
    const help = await node([installedGtx(), '--help'], consumer);
    expect(help.output).toContain('gtx [options] [command]');
    expect(help.output).toContain('completion');
    expect(help.code).toBe(0);
  }, 30_000);

  it("runs the README's library example, as it stands, against the installed gtx sandbox", async () => {
    const sandbox = await startInstalledSandbox();
    try {
      writeFileSync(join(consumer, 'readme-example.ts'), readmeLibraryExample());
      const example = await node([bin.tsx, 'readme-example.ts'], consumer, sandbox.settings);
      expect(example.output).toContain('delivered');
      expect(example.code).toBe(0);
      const received = (await (await fetch(`${sandbox.url}/__sandbox/messages`)).json()) as {
        messages: { messageId: string | null }[];
      };
      expect(received.messages.map((m) => m.messageId)).toContain('order-1042-msg-1');
    } finally {
      sandbox.child.kill('SIGTERM');
    }
  }, 60_000);
});

function installedGtx(): string {
  return join(consumer, 'node_modules/genesys-transmitter/bin/gtx.js');
}

/** The first `ts` block under the README's "As a library" heading, untouched. */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## As a library'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error('README.md has no ts block under "## As a library"');
  return code;
}

interface InstalledSandbox {
  readonly child: ChildProcess;
  readonly url: string;
  /** What `gtx sandbox` printed to paste into a shell or .env, read as dotenv reads it. */
  readonly settings: Record<string, string>;
}

/** `gtx sandbox --port 0` from the installed package, once it printed its settings. */
function startInstalledSandbox(): Promise<InstalledSandbox> {
  const child = spawn(process.execPath, [installedGtx(), 'sandbox', '--port', '0'], {
    cwd: consumer,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePrinted, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('# received messages')) return;
      const settings = dotenv.parse(stdout);
      const url = settings['GENESYS_API_URL'];
      if (url === undefined)
        reject(new Error(`gtx sandbox printed no GENESYS_API_URL:\n${stdout}`));
      else resolvePrinted({ child, url, settings });
    });
    child.once('exit', (code) => {
      reject(new Error(`gtx sandbox exited with ${String(code)}: ${stderr}`));
    });
  });
}
