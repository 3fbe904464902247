/** Small statistics for benchmark samples: medians of alternated runs, latency percentiles. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[middle - 1] ?? upper;
  return (lower + upper) / 2;
}

/** Nearest-rank percentile of already sorted values, `p` in 0..100. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function percentiles(
  values: readonly number[],
  ps: readonly number[],
): Readonly<Record<string, number>> {
  const sorted = [...values].sort((x, y) => x - y);
  const out: Record<string, number> = {};
  for (const p of ps) out[`p${String(p)}`] = percentileSorted(sorted, p);
  return out;
}

export interface Alternated<A, B> {
  readonly a: readonly A[];
  readonly b: readonly B[];
}

/**
 * Runs A and B `reps` times each, alternating ABBA… so slow drift (other engineers' tests, a
 * disk cache filling) falls on both sides alike.
 */
export async function alternate<A, B>(
  reps: number,
  runA: (rep: number) => Promise<A>,
  runB: (rep: number) => Promise<B>,
): Promise<Alternated<A, B>> {
  const a: A[] = [];
  const b: B[] = [];
  for (let rep = 0; rep < reps; rep += 1) {
    if (rep % 2 === 0) {
      a.push(await runA(rep));
      b.push(await runB(rep));
    } else {
      b.push(await runB(rep));
      a.push(await runA(rep));
    }
  }
  return { a, b };
}

/** Ratios of paired samples (rep by rep), so each ratio compares runs made minutes apart at most. */
export function pairedRatios(
  ours: readonly number[],
  baseline: readonly number[],
): readonly number[] {
  return ours.map((value, index) => value / (baseline[index] ?? Number.NaN));
}

export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
