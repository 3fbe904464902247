/** The shapes every benchmark shares: what it is given and what it reports. */

export interface BenchContext {
  readonly quick: boolean;
  /** A/B repetitions of each alternated measurement. */
  readonly reps: number;
  /** A scratch directory for this run, removed at the end. */
  readonly tmpDir: string;
  log(line: string): void;
  /** `--memory-counts SMALL,BIG`: the sizes of benchmark 7, when not the mode's default. */
  readonly memoryCounts: readonly [number, number] | null;
  /** `--growth-sizes`: the events benchmark 13's ledgers already hold, two or more sizes. */
  readonly growthSizes: readonly number[];
  /** `--postgres-growth-sizes`: the same for benchmark 15 (PostgreSQL). */
  readonly postgresGrowthSizes: readonly number[];
  /** Figures one benchmark leaves for another (e.g. max throughput for the latency run). */
  readonly shared: Map<string, number>;
}

export interface Figure {
  readonly value: number;
  readonly unit: string;
}

/** CPU time (user + system) of each process over the measured runs, per unit of work. */
export interface CpuShare {
  readonly process: string;
  readonly cpuMsPerUnit: number;
  readonly unit: string;
}

export interface BenchResult {
  /** The benchmark's number, with a letter when one benchmark reports two figures (6a, 6b). */
  readonly id: string;
  readonly title: string;
  /** Ours, median over the repetitions. */
  readonly ours: Figure;
  /** The baseline measured in the same run, median over the repetitions. */
  readonly baseline: Figure;
  /** The headline figure the target is about: a ratio of paired samples, or an added latency. */
  readonly headline: Figure & { readonly label: string; readonly samples: readonly number[] };
  readonly target: string;
  /** Null when the benchmark has no target: its figures are recorded, not judged. */
  readonly met: boolean | null;
  readonly cpu: readonly CpuShare[];
  /** Anything else worth printing: breakdowns, sizes, percentiles. */
  readonly details: Readonly<Record<string, unknown>>;
  readonly notes: readonly string[];
}

export interface Benchmark {
  readonly id: number;
  readonly title: string;
  /** Names `--only` also selects by, e.g. `postgres` for the PostgreSQL ledger set. */
  readonly tags?: readonly string[];
  run(context: BenchContext): Promise<BenchResult | readonly BenchResult[]>;
}
