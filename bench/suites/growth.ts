/**
 * 13. Growth: the same work on a ledger that already holds 0, 1,000,000 and 10,000,000 events
 * (`--growth-sizes`), against the same work on the smallest one in the same run. Append (as
 * benchmark 1), the pipeline (submitMany over the instant transport), verify and export.
 */
import { join } from 'node:path';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { writeAtomically } from '../../src/adapters/cli/commands/audit-files.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import { parseExportFilter } from '../../src/application/audit/export-filter.js';
import { writeExport } from '../../src/application/audit/ledger-export.js';
import { verifyLedger } from '../../src/application/audit/ledger-verification.js';
import { createTransmitter } from '../../src/main.js';
import { cpuMs } from '../lib/child.js';
import { removeDb } from '../lib/files.js';
import { InstantTransport, messageInputs, transmitterOptions } from '../lib/fixtures.js';
import { copyLedger, growthLedger, type GrowthLedger } from '../lib/growth-ledger.js';
import { EVENTS_PER_BATCH, noteBatches } from '../lib/note-batches.js';
import { median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const GUESTS = 256;
const MILLION = 1_000_000;

interface Run {
  readonly appendEventsPerSecond: number;
  readonly pipelineMsPerMessage: number;
  readonly pipelineCpuMsPerMessage: number;
  readonly verifyEventsPerSecond: number;
  readonly verifyMsPerMillion: number;
  readonly exportMsPerMillion: number;
}

interface Sizes {
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

/** All four on a fresh copy of `ledger`; verify and export see what append and pipeline added. */
async function runAt(
  context: BenchContext,
  ledger: GrowthLedger,
  sizes: Sizes,
  tag: string,
): Promise<Run> {
  const path = copyLedger(ledger, join(context.tmpDir, 'bench13.db'));
  const clock = new SystemClock();
  try {
    const store = openSqliteLedger({ path, clock, synchronous: 'FULL' });
    const batches = noteBatches(`g-${tag}`, sizes.appendEvents);
    const append = timedCpu();
    for (const request of batches) await store.events.append(request);
    const appended = append();
    await store.close();

    const transport = new InstantTransport();
    const transmitter = createTransmitter(transmitterOptions(path, { adapters: { transport } }));
    const pipeline = timedCpu();
    const summary = await transmitter.submitMany(messageInputs(tag, sizes.messages, GUESTS), {
      maxOutstanding: 1000,
    });
    const piped = pipeline();
    await transmitter.close();
    if (summary.delivered !== sizes.messages) {
      throw new Error(
        `${tag}: ${String(summary.delivered)} of ${String(sizes.messages)} delivered`,
      );
    }

    const reader = openSqliteLedger({ path, clock });
    try {
      const verify = timedCpu();
      const verified = await verifyLedger(reader.events);
      const verifyMs = verify().ms;
      if (!verified.ok) throw new Error(`${tag}: verify failed: ${JSON.stringify(verified)}`);
      const filter = parseExportFilter({ streams: [], guests: [], types: [] });
      const out = join(context.tmpDir, 'bench13-export.ndjson');
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
        appendEventsPerSecond: sizes.appendEvents / (appended.ms / 1000),
        pipelineMsPerMessage: piped.ms / sizes.messages,
        pipelineCpuMsPerMessage: piped.cpuMs / sizes.messages,
        verifyEventsPerSecond: verified.count / (verifyMs / 1000),
        verifyMsPerMillion: (verifyMs / verified.count) * MILLION,
        exportMsPerMillion: (exportMs / exported.count) * MILLION,
      };
    } finally {
      await reader.close();
    }
  } finally {
    removeDb(path);
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

async function runSqlite(context: BenchContext): Promise<readonly BenchResult[]> {
  const sizes = [...context.growthSizes].sort((x, y) => x - y);
  const smallest = sizes[0] ?? 0;
  const largest = sizes.at(-1) ?? 0;
  // Per-million figures at 0 would come from the few events the run itself writes: compare the
  // largest with the smallest ledger that holds events when there is one.
  const readBase = sizes.find((s) => s > 0 && s < largest) ?? smallest;
  const work: Sizes = context.quick
    ? { appendEvents: 5_000, messages: 1_000 }
    : { appendEvents: 20_000, messages: 5_000 };
  const ledgers = new Map<number, GrowthLedger>();
  for (const size of sizes) ledgers.set(size, await growthLedger(context, size));
  const runs = new Map<number, Run[]>(sizes.map((s) => [s, []]));
  for (let rep = 0; rep < context.reps; rep += 1) {
    // Sizes in turn, the order reversed every other repetition (ABBA, as `alternate` does).
    const order = rep % 2 === 0 ? sizes : [...sizes].reverse();
    for (const size of order) {
      const ledger = ledgers.get(size);
      if (ledger === undefined) throw new Error(`no ledger of ${String(size)} events`);
      const result = await runAt(context, ledger, work, `s${String(size)}-${String(rep)}`);
      context.log(
        `   ${String(size)} events: pipeline ${result.pipelineMsPerMessage.toFixed(3)} ms/msg, verify ${result.verifyMsPerMillion.toFixed(0)} ms/M, export ${result.exportMsPerMillion.toFixed(0)} ms/M`,
      );
      runs.get(size)?.push(result);
    }
  }
  const at = (size: number): readonly Run[] => runs.get(size) ?? [];
  const pipelineRatios = pairedRatios(
    at(largest).map((r) => r.pipelineMsPerMessage),
    at(smallest).map((r) => r.pipelineMsPerMessage),
  );
  const verifyRatios = pairedRatios(
    at(largest).map((r) => r.verifyMsPerMillion),
    at(readBase).map((r) => r.verifyMsPerMillion),
  );
  const exportRatios = pairedRatios(
    at(largest).map((r) => r.exportMsPerMillion),
    at(readBase).map((r) => r.exportMsPerMillion),
  );
  const appendRatios = pairedRatios(
    at(largest).map((r) => r.appendEventsPerSecond),
    at(smallest).map((r) => r.appendEventsPerSecond),
  );
  const largestLedger = ledgers.get(largest);
  const details = {
    sizes,
    work: {
      appendEvents: work.appendEvents,
      appendBatch: EVENTS_PER_BATCH,
      messages: work.messages,
    },
    bySize: Object.fromEntries(sizes.map((s) => [String(s), summary(at(s))])),
    ledgerBytesPerMessage: Object.fromEntries(
      [...ledgers].map(([size, l]) => [
        String(size),
        l.messages === 0 ? null : round(l.bytes / l.messages, 0),
      ]),
    ),
    messagesInLargestLedger: largestLedger?.messages ?? 0,
    appendLargestOverSmallest: round(median(appendRatios), 3),
  };
  const notes = [
    'Each size is a ledger of transmission streams cloned from the real transmitter (requested with sealed content, attempt started, delivered), chained by planAppend, with the transmissions projection rebuilt by the ledger; built once per size and schema version under the OS tmpdir and copied before each run.',
    `On each copy: append of ${String(work.appendEvents)} events in batches of 100 (synchronous=FULL), then submitMany of ${String(work.messages)} messages over the instant transport (ledger FULL, concurrency 16), then verifyLedger and writeExport (ndjson) over everything in the copy.`,
    'Sizes run in turn, the order reversed every other repetition; ratios pair runs of the same repetition.',
  ];
  const largestName = largest.toLocaleString('en-US');
  const pipelineRatio = median(pipelineRatios);
  const readRatio = Math.max(median(verifyRatios), median(exportRatios));
  const cpuAt = (size: number): BenchResult['cpu'][number] => ({
    process: `pipeline at ${size.toLocaleString('en-US')} events (bench process)`,
    cpuMsPerUnit: median(at(size).map((r) => r.pipelineCpuMsPerMessage)),
    unit: 'message',
  });
  return [
    {
      id: '13a',
      title: `growth: pipeline cost per message at ${largestName} vs ${smallest.toLocaleString('en-US')} events (SQLite)`,
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
      id: '13b',
      title: `growth: verify and export ms per million at ${largestName} vs ${readBase.toLocaleString('en-US')} events (SQLite)`,
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

export const growthBenchmark: Benchmark = {
  id: 13,
  title: 'growth: cost per message, verify and export on a ledger that already holds events',
  tags: ['growth'],
  run: runSqlite,
};
