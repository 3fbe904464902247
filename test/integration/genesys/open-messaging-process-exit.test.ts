import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/sandbox/index.js';

const fixture = fileURLToPath(
  new URL('./fixtures/open-messaging-exit.fixture.ts', import.meta.url),
);

describe('OpenMessagingTransport process lifetime', () => {
  it('lets the process exit once the transport is closed (no watcher, socket or timer left)', async () => {
    const sandbox = await startSandbox({ integrationIds: ['integration-exit'] });
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
        env: { ...process.env, SANDBOX_URL: sandbox.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exitCode = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 20_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
      expect(stdout.trim()).toBe('{"ok":true}');
    } finally {
      await sandbox.close();
    }
  });
});
