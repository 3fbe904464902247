/**
 * What benchmarks 13 (SQLite) and 15 (PostgreSQL) share: the same four measurements on a fresh
 * copy of a ledger that already holds N events, the sizes in ABBA order, and the two results
 * (pipeline cost per message; verify and export per million events), largest against smallest.
 * An engine says only how to get a ledger of N events, copy it, and open the copy.
 */
import { join } from 'node:path';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { writeAtomically } from '../../src/adapters/cli/commands/audit-files.js';
import { parseExportFilter } from '../../src/application/audit/export-filter.js';
import { writeExport } from '../../src/application/audit/ledger-export.js';
import { verifyLedger } from '../../src/application/audit/ledger-verification.js';
import type { Ledger } from '../../src/application/ports/ledger.port.js';
import { createTransmitter, type LedgerSettings } from '../../src/main.js';
import { cpuMs } from './child.js';
import { removeDb } from './files.js';
import { InstantTransport, messageInputs, transmitterOptions } from './fixtures.js';
import { EVENTS_PER_BATCH, noteBatches } from './note-batches.js';
import { median, pairedRatios, round } from './stats.js';
import type { BenchContext, BenchResult } from './types.js';

const GUESTS = 256;
const MILLION = 1_000_000;

/** A writable copy of a growth ledger, for one run. */
export interface GrowthCopy {
  /** The copy's ledger, ready: for the append measurement (as benchmark 1 writes) or to read. */
  open(purpose: 'append' | 'read'): Promise<Ledger>;
  /** Where the transmitter of the pipeline measurement finds the copy. */
  readonly settings: LedgerSettings;
  remove(): Promise<void>;
}

export interface GrowthSource {
  readonly events: number;
  /** Transmission streams in it, one per message. */
  readonly messages: number;
  /** What the engine stores for it: file bytes, or table and index bytes. */
  readonly bytes: number;
  copy(tag: string): Promise<GrowthCopy>;
}

export interface GrowthEngine {
  /** `SQLite`, `PostgreSQL`: in titles. */
  readonly name: string;
  /** The two result ids: pipeline, then verify and export. */
  readonly ids: readonly [string, string];
  /** How the ledgers were made and what each run does, for the notes. */
  readonly notes: readonly string[];
  ledgerAt(context: BenchContext, events: number): Promise<GrowthSource>;
}

interface Run {
  readonly appendEventsPerSecond: number;
  readonly pipelineMsPerMessage: number;
  readonly pipelineCpuMsPerMessage: number;
  readonly verifyEventsPerSecond: number;
  readonly verifyMsPerMillion: number;
  readonly exportMsPerMillion: number;
}

interface Work {
  readonly appendEvents: number;
  readonly messages: number;
}

function timedCpu(): () => { ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  return () => ({
    ms: performance.now() - start,
    cpuMs: cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu)),
  });
}

/** All four on a fresh copy; verify and export see what append and pipeline added. */
async function runAt(
  context: BenchContext,
  source: GrowthSource,
  work: Work,
  tag: string,
): Promise<Run> {
  const copy = await source.copy(tag);
  const clock = new SystemClock();
  try {
    const store = await copy.open('append');
    const batches = noteBatches(`g-${tag}`, work.appendEvents);
    const append = timedCpu();
    try {
      for (const request of batches) await store.events.append(request);
    } finally {
      await store.close();
    }
    const appended = append();

    const transport = new InstantTransport();
    const transmitter = createTransmitter({
      ...transmitterOptions('', { adapters: { transport } }),
      ledger: copy.settings,
    });
    const pipeline = timedCpu();
    const summary = await transmitter.submitMany(messageInputs(tag, work.messages, GUESTS), {
      maxOutstanding: 1000,
    });
    const piped = pipeline();
    await transmitter.close();
    if (summary.delivered !== work.messages) {
      throw new Error(`${tag}: ${String(summary.delivered)} of ${String(work.messages)} delivered`);
    }

    const reader = await copy.open('read');
    try {
      const verify = timedCpu();
      const verified = await verifyLedger(reader.events);
      const verifyMs = verify().ms;
      if (!verified.ok) throw new Error(`${tag}: verify failed: ${JSON.stringify(verified)}`);
      const filter = parseExportFilter({ streams: [], guests: [], types: [] });
      const out = join(context.tmpDir, `growth-export-${tag}.ndjson`);
      const exporting = timedCpu();
      const exported = await writeAtomically(out, {}, (file) =>
        writeExport(reader.events, clock, { format: 'ndjson', filter }, file),
      );
      const exportMs = exporting().ms;
      removeDb(out);
      if (exported.count !== verified.count) {
        throw new Error(`${tag}: exported ${String(exported.count)} of ${String(verified.count)}`);
      }
      return {
        appendEventsPerSecond: work.appendEvents / (appended.ms / 1000),
        pipelineMsPerMessage: piped.ms / work.messages,
        pipelineCpuMsPerMessage: piped.cpuMs / work.messages,
        verifyEventsPerSecond: verified.count / (verifyMs / 1000),
        verifyMsPerMillion: (verifyMs / verified.count) * MILLION,
        exportMsPerMillion: (exportMs / exported.count) * MILLION,
      };
    } finally {
      await reader.close();
    }
  } finally {
    await copy.remove();
  }
}

function summary(runs: readonly Run[]): Record<string, number> {
  const m = (key: keyof Run, digits: number): number =>
    round(median(runs.map((r) => r[key])), digits);
  return {
    appendEventsPerSecond: m('appendEventsPerSecond', 0),
    pipelineMsPerMessage: m('pipelineMsPerMessage', 4),
    pipelineCpuMsPerMessage: m('pipelineCpuMsPerMessage', 4),
    verifyEventsPerSecond: m('verifyEventsPerSecond', 0),
    verifyMsPerMillion: m('verifyMsPerMillion', 0),
    exportMsPerMillion: m('exportMsPerMillion', 0),
  };
}

/** The growth benchmark of `engine` over `sizes` (two or more event counts). */
export async function runGrowth(
  context: BenchContext,
  engine: GrowthEngine,
  sizes: readonly number[],
): Promise<readonly BenchResult[]> {
  const ordered = [...sizes].sort((x, y) => x - y);
  const smallest = ordered[0] ?? 0;
  const largest = ordered.at(-1) ?? 0;
  // Per-million figures at 0 would come from the few events the run itself writes: compare the
  // largest with the smallest ledger that holds events when there is one.
  const readBase = ordered.find((s) => s > 0 && s < largest) ?? smallest;
  const work: Work = context.quick
    ? { appendEvents: 5_000, messages: 1_000 }
    : { appendEvents: 20_000, messages: 5_000 };
  const sources = new Map<number, GrowthSource>();
  for (const size of ordered) sources.set(size, await engine.ledgerAt(context, size));
  const runs = new Map<number, Run[]>(ordered.map((s) => [s, []]));
  for (let rep = 0; rep < context.reps; rep += 1) {
    // Sizes in turn, the order reversed every other repetition (ABBA, as `alternate` does).
    const order = rep % 2 === 0 ? ordered : [...ordered].reverse();
    for (const size of order) {
      const source = sources.get(size);
      if (source === undefined) throw new Error(`no ledger of ${String(size)} events`);
      const result = await runAt(context, source, work, `s${String(size)}_${String(rep)}`);
      context.log(
        `   ${String(size)} events: pipeline ${result.pipelineMsPerMessage.toFixed(3)} ms/msg, verify ${result.verifyMsPerMillion.toFixed(0)} ms/M, export ${result.exportMsPerMillion.toFixed(0)} ms/M`,
      );
      runs.get(size)?.push(result);
    }
  }
  const at = (size: number): readonly Run[] => runs.get(size) ?? [];
  const ratios = (key: keyof Run, of: number, to: number): readonly number[] =>
    pairedRatios(
      at(of).map((r) => r[key]),
      at(to).map((r) => r[key]),
    );
  const pipelineRatios = ratios('pipelineMsPerMessage', largest, smallest);
  const verifyRatios = ratios('verifyMsPerMillion', largest, readBase);
  const exportRatios = ratios('exportMsPerMillion', largest, readBase);
  const appendRatios = ratios('appendEventsPerSecond', largest, smallest);
  const largestSource = sources.get(largest);
  const details = {
    sizes: ordered,
    work: {
      appendEvents: work.appendEvents,
      appendBatch: EVENTS_PER_BATCH,
      messages: work.messages,
    },
    bySize: Object.fromEntries(ordered.map((s) => [String(s), summary(at(s))])),
    ledgerBytesPerMessage: Object.fromEntries(
      [...sources].map(([size, s]) => [
        String(size),
        s.messages === 0 ? null : round(s.bytes / s.messages, 0),
      ]),
    ),
    messagesInLargestLedger: largestSource?.messages ?? 0,
    appendLargestOverSmallest: round(median(appendRatios), 3),
  };
  const notes = [
    ...engine.notes,
    `On each copy: append of ${String(work.appendEvents)} events in batches of ${String(EVENTS_PER_BATCH)}, then submitMany of ${String(work.messages)} messages over the instant transport (concurrency 16), then verifyLedger and writeExport (ndjson) over everything in the copy.`,
    'Sizes run in turn, the order reversed every other repetition; ratios pair runs of the same repetition.',
  ];
  const named = (n: number): string => n.toLocaleString('en-US');
  const pipelineRatio = median(pipelineRatios);
  const readRatio = Math.max(median(verifyRatios), median(exportRatios));
  const cpuAt = (size: number): BenchResult['cpu'][number] => ({
    process: `pipeline at ${named(size)} events (bench process)`,
    cpuMsPerUnit: median(at(size).map((r) => r.pipelineCpuMsPerMessage)),
    unit: 'message',
  });
  const [pipelineId, readId] = engine.ids;
  return [
    {
      id: pipelineId,
      title: `growth: pipeline cost per message at ${named(largest)} vs ${named(smallest)} events (${engine.name})`,
      ours: { value: median(at(largest).map((r) => r.pipelineMsPerMessage)), unit: 'ms/msg' },
      baseline: { value: median(at(smallest).map((r) => r.pipelineMsPerMessage)), unit: 'ms/msg' },
      headline: {
        label: 'largest / smallest',
        value: pipelineRatio,
        unit: '×',
        samples: pipelineRatios,
      },
      target: '≤ 1.10',
      met: pipelineRatio <= 1.1,
      cpu: [cpuAt(largest), cpuAt(smallest)],
      details,
      notes,
    },
    {
      id: readId,
      title: `growth: verify and export ms per million at ${named(largest)} vs ${named(readBase)} events (${engine.name})`,
      ours: { value: median(at(largest).map((r) => r.verifyMsPerMillion)), unit: 'verify ms/M' },
      baseline: {
        value: median(at(readBase).map((r) => r.verifyMsPerMillion)),
        unit: 'verify ms/M',
      },
      headline: {
        label: 'worse of verify, export: largest / smallest',
        value: readRatio,
        unit: '×',
        samples: verifyRatios.map((v, i) => Math.max(v, exportRatios[i] ?? Number.NaN)),
      },
      target: '≤ 1.10 for both',
      met: readRatio <= 1.1,
      cpu: [],
      details: {
        verifyRatio: round(median(verifyRatios), 3),
        exportRatio: round(median(exportRatios), 3),
        verifySamples: verifyRatios.map((v) => round(v, 3)),
        exportSamples: exportRatios.map((v) => round(v, 3)),
        comparedWith: readBase,
      },
      notes: [
        ...notes,
        'Per-million figures at 0 events would be over the few events the run writes; the smallest non-empty size is the baseline when there are two or more.',
      ],
    },
  ];
}
