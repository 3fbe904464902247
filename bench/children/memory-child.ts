/**
 * One memory run in a fresh process: submitMany over a generator of `count` commands, RSS
 * sampled every 100 ms; the peak comes from the kernel (getrusage maxrss). Options in argv[2].
 * Benchmark 7 runs it compiled (bench/lib/compiled.ts), so these relative imports reach the
 * compiled src, as an installed package's would.
 */
import { InstantTransport, messageInputs, transmitterOptions } from '../lib/fixtures.js';
import { createTransmitter } from '../../src/main.js';

interface Options {
  readonly path: string;
  readonly count: number;
  readonly guests: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
let sampledPeakRss = 0;
let peakHeapUsed = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  sampledPeakRss = Math.max(sampledPeakRss, usage.rss);
  peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
}, 100);
const baselineRss = process.memoryUsage().rss;
const transport = new InstantTransport();
const transmitter = createTransmitter(
  transmitterOptions(options.path, {
    adapters: { transport },
    ledger: { path: options.path, synchronous: 'NORMAL' },
  }),
);
const start = performance.now();
const progress = setInterval(() => {
  process.stderr.write(
    `   memory run: ${String(transport.count)} sent, rss ${String(Math.round(process.memoryUsage().rss / 2 ** 20))} MiB\n`,
  );
}, 60_000);
progress.unref();
const summary = await transmitter.submitMany(
  messageInputs('memory', options.count, options.guests),
  { maxOutstanding: 1000 },
);
const seconds = (performance.now() - start) / 1000;
await transmitter.close();
clearInterval(sampler);
process.send?.({
  type: 'ready',
  summary,
  seconds,
  rssBeforeBytes: baselineRss,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  sampledPeakRss,
  peakHeapUsed,
});
process.disconnect();
