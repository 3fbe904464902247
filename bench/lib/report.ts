import type { MachineInfo } from './machine.js';
import type { BenchResult } from './types.js';

export interface Report {
  readonly date: string;
  readonly mode: string;
  readonly reps: number;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly loadAverageAtEnd: readonly number[];
  readonly results: readonly BenchResult[];
  readonly failures: readonly { readonly id: number; readonly error: string }[];
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
}

/** A Markdown table, so the same text goes to the terminal and into docs/benchmarks.md. */
export function renderTable(report: Report): string {
  const header = [
    '#',
    'what',
    'ours (median)',
    'baseline (median)',
    'headline (median)',
    'samples',
    'target',
    'met',
  ];
  const rows = report.results.map((r) => [
    r.id,
    r.title,
    `${formatNumber(r.ours.value)} ${r.ours.unit}`,
    `${formatNumber(r.baseline.value)} ${r.baseline.unit}`,
    `${r.headline.label} = ${formatNumber(r.headline.value)}${r.headline.unit === '×' ? '×' : ` ${r.headline.unit}`}`,
    r.headline.samples.map((s) => formatNumber(s)).join(', '),
    r.target,
    r.met === null ? '–' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const m = report.machine;
  const lines = [
    `${report.mode} run ${report.date}, ${String(report.reps)} A/B reps, ${String(report.durationSeconds)} s`,
    `machine: ${String(m.nproc)} × ${m.model}, ${String(m.memoryGiB)} GiB, Node ${m.node}, load ${m.loadAverage.join(' ')} → ${report.loadAverageAtEnd.join(' ')}`,
    '',
    pad(header, widths),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((row) => pad(row, widths)),
  ];
  for (const r of report.results) {
    if (r.cpu.length === 0) continue;
    const cpu = r.cpu
      .map((c) => `${c.process} ${formatNumber(c.cpuMsPerUnit)} ms/${c.unit}`)
      .join('; ');
    lines.push(`  ${r.id}. CPU: ${cpu}`);
  }
  for (const failure of report.failures) {
    lines.push(`  ${String(failure.id)}. FAILED: ${failure.error.split('\n')[0] ?? ''}`);
  }
  return lines.join('\n');
}
