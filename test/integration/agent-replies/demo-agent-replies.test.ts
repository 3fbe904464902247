import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGtx } from '../../support/cli-harness.js';

describe('gtx demo with the sandbox agent answering', () => {
  it('shows replies arriving on its webhook, sends their receipts, and prints one transcript', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtx-demo-replies-'));
    const ledger = join(dir, 'demo.db');
    const env = { GTX_MASTER_KEY: randomBytes(32).toString('base64') };
    const result = await runGtx(['demo', '--ledger', ledger], env, dir);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const arrivals = lines.filter((line) => /^ {2}reply {2}\S+… from the agent in \S+$/.test(line));
    expect(arrivals.length).toBeGreaterThan(0);
    expect(result.stdout).toContain(`agent replies   ${arrivals.length} recorded`);
    const heading = lines.indexOf('one transcript, both sides (gtx transcript --reveal)');
    expect(heading).toBeGreaterThan(0);
    const conversation = /^ {2}conversation (\S+): \d+ entries$/.exec(
      lines[heading + 1] ?? '',
    )?.[1];
    expect(conversation).toBeDefined();
    const transcript = lines.slice(heading + 2).filter((line) => /^ {2}\d{4}-/.test(line));
    expect(transcript.some((line) => / guest +message +delivered /.test(line))).toBe(true);
    expect(
      transcript.some((line) => / agent +message +received +\[our delivered\] /.test(line)),
    ).toBe(true);

    const json = await runGtx(
      ['transcript', '--conversation', conversation ?? '', '--ledger', ledger, '--format', 'json'],
      env,
      dir,
    );
    expect(json.code).toBe(0);
    const entries = (JSON.parse(json.stdout) as { entries: { side: string }[] }).entries;
    expect(entries.map((e) => e.side)).toContain('agent');
    expect(entries).toHaveLength(transcript.length);
  }, 120_000);
});
