import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly description: string;
}

/** Read at run time so the CLI reports the installed version, run from source or from dist. */
export function packageInfo(): PackageJson {
  const layouts = ['../../../package.json', '../../../../package.json'];
  for (const relative of layouts) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
  }
  throw new Error(`package.json not found next to ${fileURLToPath(import.meta.url)}`);
}
