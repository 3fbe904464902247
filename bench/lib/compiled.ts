/**
 * The package compiled the way users run it (tsc -p tsconfig.build.json), once per bench run,
 * into the run's scratch directory: benchmarks that measure a whole process (peak RSS, time
 * from spawn to exit) run plain `node` on it, without the tsx loader.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext } from './types.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Bench children built beside src, so their relative imports of src reach the compiled files. */
const COMPILED_CHILDREN = ['bench/children/memory-child.ts', 'bench/children/bare-sdk-child.ts'];

export interface CompiledPackage {
  /** The output root: `src/…` and `bench/…` as `.js`, with package.json and node_modules. */
  readonly root: string;
  /** `src/cli.js`, what `gtx` (bin/gtx.js) imports. */
  readonly cli: string;
  child(name: string): string;
  readonly seconds: number;
}

const builds = new Map<string, Promise<CompiledPackage>>();

async function build(context: BenchContext): Promise<CompiledPackage> {
  const root = join(context.tmpDir, 'compiled');
  const config = join(context.tmpDir, 'tsconfig.bench-compiled.json');
  // The package's own build settings; only the output directory and the children differ.
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.build.json'),
      compilerOptions: {
        rootDir: REPO,
        outDir: root,
        declaration: false,
        // Type roots resolve from the config's directory, which is not the checkout's.
        typeRoots: [join(REPO, 'node_modules/@types')],
      },
      include: [join(REPO, 'src')],
      files: COMPILED_CHILDREN.map((file) => join(REPO, file)),
    }),
  );
  const start = performance.now();
  try {
    await promisify(execFile)(
      process.execPath,
      [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', config],
      { cwd: REPO, maxBuffer: 16 * 2 ** 20 },
    );
  } catch (error) {
    // tsc reports its errors on stdout.
    const stdout = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`compiling the package for the benchmarks failed:\n${stdout.slice(0, 4000)}`, {
      cause: error,
    });
  }
  const seconds = (performance.now() - start) / 1000;
  // As in an installed package: package.json (type module, the version the CLI reports) at the
  // root, dependencies resolved from node_modules above the compiled files.
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  context.log(`   compiled the package with tsc in ${seconds.toFixed(1)} s`);
  return {
    root,
    cli: join(root, 'src/cli.js'),
    child: (name) => join(root, 'bench/children', `${name}.js`),
    seconds,
  };
}

/** The compiled package of this run, built at the first call. */
export function compiledPackage(context: BenchContext): Promise<CompiledPackage> {
  let pending = builds.get(context.tmpDir);
  if (pending === undefined) {
    pending = build(context);
    builds.set(context.tmpDir, pending);
  }
  return pending;
}
