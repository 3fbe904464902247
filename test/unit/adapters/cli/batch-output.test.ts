import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colourEnabled, paintOutcome, styleOf } from '../../../../src/adapters/cli/cli-style.js';
import { OrderedLines } from '../../../../src/adapters/cli/ordered-lines.js';
import { progressLine, startProgress } from '../../../../src/adapters/cli/progress.js';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';

function pipe(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('batch output', () => {
  it('writes the notes of each line in line order, whatever order the lines settle in', () => {
    const written: string[] = [];
    const ordered = new OrderedLines((text) => written.push(text));
    ordered.settle(2, ['two']);
    ordered.settle(4, ['four']);
    expect(written).toEqual([]);
    ordered.settle(1, []);
    expect(written).toEqual(['two']);
    ordered.settle(3, ['three a', 'three b']);
    expect(written).toEqual(['two', 'three a', 'three b', 'four']);
    ordered.settle(6, ['six']);
    ordered.flush();
    expect(written.at(-1)).toBe('six');
  });

  it('writes a progress line with an ETA every few seconds when standard error is a pipe', async () => {
    const clock = new VirtualClock();
    const stderr = pipe();
    const io = { stdout: new PassThrough(), stderr: stderr.stream, env: {}, cwd: '/' };
    const progress = startProgress(io, { label: 'sending', total: 100, clock, lineEveryMs: 5000 });
    progress.update(10);
    await clock.advanceBy(5000);
    progress.note('line 3: rejected x');
    progress.update(20);
    await clock.advanceBy(5000);
    await clock.advanceBy(5000);
    progress.stop();
    await clock.advanceBy(5000);
    expect(stderr.text().split('\n').filter(Boolean)).toEqual([
      'sending: 10/100 (10%), 2.0/s, ETA 45s',
      'line 3: rejected x',
      'sending: 20/100 (20%), 2.0/s, ETA 40s',
    ]);
    expect(progressLine('sending', 7, 0, 1000)).toBe('sending: 7 done, 7.0/s');
  });

  it('colours only a terminal, and honours NO_COLOR and FORCE_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    const style = styleOf({ isTTY: true }, { env: {} });
    expect(paintOutcome('line 4: rejected c-1: 1 violation', style)).toBe(
      'line 4: \u001b[33mrejected\u001b[39m c-1: 1 violation',
    );
    expect(paintOutcome('delivered c-1', styleOf({ isTTY: false }, { env: {} }))).toBe(
      'delivered c-1',
    );
  });
});
