import type { TransmissionOutcome } from '../../application/transmission/transmission-outcome.js';
import type { DeliveryReport } from '../../application/reporting/delivery-report.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export function exitCodeForOutcome(outcome: TransmissionOutcome): ExitCode {
  switch (outcome.status) {
    case 'delivered':
      return EXIT.ok;
    case 'rejected':
      return EXIT.rejected;
    case 'deadLettered':
      return EXIT.deadLettered;
  }
}

/** Lines for a person; never the message text, only ids, codes and figures. */
export function describeOutcome(outcome: TransmissionOutcome): string[] {
  const lines: string[] = [];
  switch (outcome.status) {
    case 'delivered':
      lines.push(
        `delivered ${outcome.commandId} as Genesys message ${outcome.genesysMessageId || '(no id returned)'}` +
          (outcome.genesysConversationId === null
            ? ''
            : ` in conversation ${outcome.genesysConversationId}`) +
          ` after ${plural(outcome.attempts, 'attempt')}, ${outcome.latencyMs} ms`,
      );
      break;
    case 'rejected':
      lines.push(
        `rejected ${outcome.commandId}: ${plural(outcome.violations.length, 'violation')}`,
      );
      for (const v of outcome.violations)
        lines.push(`  ${v.code} at ${v.field || '/'}: ${v.message}`);
      break;
    case 'deadLettered': {
      lines.push(
        `dead-lettered ${outcome.commandId} after ${plural(outcome.attempts, 'attempt')}: ${outcome.reason}`,
      );
      const last = outcome.lastFailure;
      if (last !== null) {
        const status = last.status === null ? '' : ` HTTP ${last.status}`;
        const code = last.code === null ? '' : ` ${last.code}`;
        const message = last.message === null ? '' : `: ${last.message}`;
        lines.push(`  last failure: ${last.kind}${status}${code}${message}`);
      }
      break;
    }
  }
  if (outcome.duplicate)
    lines.push('  (this command id was already in the ledger: nothing was sent again)');
  return lines;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatMs(value: number | null): string {
  return value === null ? '-' : `${value} ms`;
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '' : ` (${entries.map(([k, n]) => `${k} ${n}`).join(', ')})`;
}

/**
 * The violation codes of rejected commands, on a line of their own: a command can break several
 * rules, so these counts are not a split of the rejected commands and must not read like one.
 */
export function describeViolations(
  rejectedByCode: Readonly<Record<string, number>>,
  label: string,
): string[] {
  const entries = Object.entries(rejectedByCode).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return [];
  return [
    `${label}${entries.map(([code, n]) => `${code} ${n}`).join(', ')} (commands with each code; one command may have several)`,
  ];
}

/** The delivery report as aligned lines. */
export function describeReport(report: DeliveryReport): string[] {
  const rate = report.deliveryRate === null ? '-' : `${(report.deliveryRate * 100).toFixed(1)}%`;
  return [
    `commands        ${report.commands}`,
    `delivered       ${report.delivered}`,
    `rejected        ${report.rejected}`,
    ...describeViolations(report.rejectedByCode, '  violations    '),
    `dead-lettered   ${report.deadLettered}${formatCounts(report.deadLetteredByReason)}`,
    `still open      ${report.open}`,
    `retried         ${report.retried} (attempts ${report.attempts}; failures${formatCounts(report.failuresByKind) || ' none'})`,
    `latency         p50 ${formatMs(report.latencyMs.p50)}, p95 ${formatMs(report.latencyMs.p95)}, p99 ${formatMs(report.latencyMs.p99)}`,
    `delivery rate   ${rate}`,
  ];
}
