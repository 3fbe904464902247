import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/*
 * The Genesys SDK is about 56 MiB of resident memory; the library entry point and the config
 * checks load it only when a Genesys client is made. Run in a fresh process: in this one, other
 * test files have loaded it already.
 */
function sdkLoadedAfter(script: string): boolean {
  const probe = `const { createRequire } = await import('node:module');
const cache = createRequire(process.cwd() + '/probe.js').cache;
${script}
const loaded = Object.keys(cache).some((path) => path.includes('purecloud-platform-client-v2'));
process.stdout.write(String(loaded));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', probe], {
    encoding: 'utf8',
  });
  return out.trim() === 'true';
}

describe('Genesys SDK loading', () => {
  it('is not loaded by importing the library', () => {
    expect(sdkLoadedAfter("await import('./src/main.ts');")).toBe(false);
  });

  it('is loaded when a region host is checked, and when a client is made', () => {
    expect(
      sdkLoadedAfter(
        "const { isGenesysRegionHost } = await import('./src/adapters/config/genesys-regions.ts'); if (!isGenesysRegionHost('mypurecloud.ie')) throw new Error('no region');",
      ),
    ).toBe(true);
    expect(
      sdkLoadedAfter(
        "const { createSdkClient } = await import('./src/adapters/genesys/open-messaging/sdk-client.ts'); createSdkClient({ environment: 'mypurecloud.ie', gateway: null, requestTimeoutMs: 1000 });",
      ),
    ).toBe(true);
  });
});
