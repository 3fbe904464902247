import type { BenchContext } from './types.js';
import { transmissionTemplates, type StreamTemplate } from './fixtures.js';

let cached: Promise<readonly StreamTemplate[]> | null = null;

/** Transmission streams written by the real transmitter once per run, shared by benchmarks. */
export function templates(context: BenchContext): Promise<readonly StreamTemplate[]> {
  cached ??= transmissionTemplates(context.tmpDir);
  return cached;
}
