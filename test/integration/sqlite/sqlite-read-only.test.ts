import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function digestOf(path: string): string {
  const hash = createHash('sha256').update(readFileSync(path));
  if (existsSync(`${path}-wal`)) hash.update(readFileSync(`${path}-wal`));
  return hash.digest('hex');
}

describe('SQLite ledger opened read-only', () => {
  it('reads everything, refuses appends and rebuilds, and leaves the file untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtx-ro-'));
    dirs.push(dir);
    const path = join(dir, 'ledger.db');
    const clock = new VirtualClock();
    const writer = openSqliteLedger({ path, clock }).events;
    await writer.append({
      streamId: 'notes-1',
      expectedVersion: 'noStream',
      events: [{ type: 'NoteTaken', schemaVersion: 1, data: { n: 1 }, metadata: {} }],
    });
    await writer.close();
    const before = digestOf(path);

    const reader = openSqliteLedger({ path, clock, readOnly: true });
    expect(await reader.events.readStream('notes-1')).toHaveLength(1);
    expect((await reader.events.head()).position).toBe(1);
    await expect(
      reader.events.append({
        streamId: 'notes-2',
        expectedVersion: 'noStream',
        events: [{ type: 'X', schemaVersion: 1, data: {}, metadata: {} }],
      }),
    ).rejects.toMatchObject({ code: 'LEDGER_READ_ONLY' });
    await expect(reader.work.rebuild()).rejects.toMatchObject({ code: 'LEDGER_READ_ONLY' });
    await reader.close();
    expect(digestOf(path)).toBe(before);
  });

  it('refuses a missing file instead of creating one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtx-ro-'));
    dirs.push(dir);
    const path = join(dir, 'absent.db');
    expect(() => openSqliteLedger({ path, clock: new VirtualClock(), readOnly: true })).toThrow(
      expect.objectContaining({ code: 'LEDGER_UNAVAILABLE' }) as Error,
    );
    expect(existsSync(path)).toBe(false);
  });
});
