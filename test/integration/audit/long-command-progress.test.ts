/**
 * Progress of the long commands (`gtx audit verify`, `audit export`, `replay`, `ledger copy`):
 * a bar on standard error when it is a terminal, nothing in a pipe or under --json, where
 * `gtx send --file` keeps its periodic line. A pseudo-terminal is out of reach here, so the
 * terminal is a stream that says it is one, which is all the decision reads.
 */
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/adapters/clock/virtual-clock.js';
import type { CliIo } from '../../../src/adapters/cli/cli-io.js';
import { COMMANDS } from '../../../src/adapters/cli/commands/index.js';
import {
  PROGRESS_LINE_EVERY_MS,
  showsTerminalProgress,
  startProgress,
  startTerminalProgress,
} from '../../../src/adapters/cli/progress.js';
import { runCli } from '../../../src/adapters/cli/run-cli.js';
import { createCliServices } from '../../../src/composition/cli-services.js';
import { testDir } from '../../support/test-dir.js';
import { makeLedgerFile } from './audit-fixture.js';

const SERVICES = createCliServices();

function stream(tty: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const out: PassThrough & { isTTY?: boolean } = new PassThrough();
  if (tty) out.isTTY = true;
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream: out, text: () => Buffer.concat(chunks).toString('utf8') };
}

function ioWith(stderrIsTty: boolean, cwd: string) {
  const stdout = stream(false);
  const stderr = stream(stderrIsTty);
  const io: CliIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { GTX_LOG_LEVEL: 'silent', GTX_MASTER_KEY: Buffer.alloc(32, 5).toString('base64') },
    cwd,
  };
  return { io, stdout: stdout.text, stderr: stderr.text };
}

describe('the progress decision', () => {
  it('shows a bar only on a terminal, and never under --json', () => {
    expect(showsTerminalProgress(ioWith(true, '.').io, {})).toBe(true);
    expect(showsTerminalProgress(ioWith(true, '.').io, { json: true })).toBe(false);
    expect(showsTerminalProgress(ioWith(false, '.').io, {})).toBe(false);
  });

  it('writes nothing to a pipe however long the work runs, where send --file writes a line', async () => {
    const clock = new VirtualClock();
    const quiet = ioWith(false, '.');
    expect(startTerminalProgress(quiet.io, { label: 'verifying', total: 10, clock })).toBeNull();
    const batch = ioWith(false, '.');
    const line = startProgress(batch.io, { label: 'sending', total: 10, clock });
    line.update(3);
    await clock.advanceBy(PROGRESS_LINE_EVERY_MS);
    line.stop();
    expect(quiet.stderr()).toBe('');
    expect(batch.stderr()).toMatch(/^sending: 3\/10 \(30%\)/);
  });
});

describe('the long commands', () => {
  async function ledgerIn(dir: string): Promise<string> {
    const path = join(dir, 'ledger.db');
    await makeLedgerFile(path, 20);
    return path;
  }

  let copies = 0;
  const commands = (dir: string, ledger: string): Record<string, string[]> => ({
    'audit export': ['audit', 'export', '--ledger', ledger, '--out', join(dir, 'out.ndjson')],
    'ledger copy': [
      'ledger',
      'copy',
      '--from',
      ledger,
      '--to',
      join(dir, `copy-${String((copies += 1))}.db`),
    ],
    replay: ['replay', '--ledger', ledger, '--to', join(dir, 'replay.ndjson'), '--dry-run'],
  });

  it('draw a bar with events done, rate and time left on a terminal', async () => {
    const dir = testDir('gtx-progress-');
    const ledger = await ledgerIn(dir);
    for (const [name, argv] of Object.entries(commands(dir, ledger))) {
      const run = ioWith(true, dir);
      expect(await runCli(argv, run.io, COMMANDS, SERVICES), name).toBe(0);
      expect(run.stderr(), name).toMatch(/\d+\/\d+ 100% \| [\d.]+\/s \| ETA/);
    }
  });

  it('stay quiet in a pipe and under --json', async () => {
    const dir = testDir('gtx-progress-');
    const ledger = await ledgerIn(dir);
    for (const [name, argv] of Object.entries(commands(dir, ledger))) {
      const piped = ioWith(false, dir);
      expect(await runCli(argv, piped.io, COMMANDS, SERVICES), name).toBe(0);
      expect(piped.stderr(), name).toBe('');
    }
    for (const argv of [
      commands(dir, ledger)['ledger copy'] ?? [],
      commands(dir, ledger)['replay'] ?? [],
      ['audit', 'verify', '--ledger', ledger],
    ]) {
      const json = ioWith(true, dir);
      expect(await runCli([...argv, '--json'], json.io, COMMANDS, SERVICES)).toBe(0);
      expect(json.stderr()).toBe('');
    }
  });
});
