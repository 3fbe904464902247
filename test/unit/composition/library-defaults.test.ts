import { afterEach, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { ScriptedTransport } from '../../../src/adapters/memory/scripted-transport.js';
import { createInMemoryLedger } from '../../../src/adapters/memory/in-memory-work-queue.js';
import { createTransmitter, type TransmitterOptions } from '../../../src/index.js';

/** What the default logger wrote on standard error while one message was sent. */
async function stderrOfOneSend(options: Partial<TransmitterOptions>): Promise<string> {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const clock = new SystemClock();
  const transmitter = createTransmitter({
    ...options,
    adapters: {
      ledger: createInMemoryLedger(clock),
      transport: new ScriptedTransport({ clock }),
      clock,
    },
  });
  const outcome = await transmitter.submit({ id: 'quiet-1', guest: { id: 'g' }, text: 'hello' });
  await transmitter.close();
  expect(outcome.status).toBe('delivered');
  return written.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the library logger', () => {
  it('is quiet by default: nothing at info on standard error', async () => {
    expect(await stderrOfOneSend({})).toBe('');
  });

  it('says more when asked (logLevel: info), as JSON lines naming the command, never its text', async () => {
    const lines = (await stderrOfOneSend({ logLevel: 'info' })).trim().split('\n');
    const messages = lines.map((line) => (JSON.parse(line) as { message: string }).message);
    expect(messages).toContain('transmission accepted');
    expect(lines.join('\n')).toContain('quiet-1');
    expect(lines.join('\n')).not.toContain('hello');
  });
});
