import { epochMsToIso, isoToEpochMs } from '../../domain/index.js';
import { AuditFilterInvalidError } from './audit-errors.js';

/** What `gtx audit export` selects. An empty filter exports every row: a full export. */
export interface ExportFilter {
  /** Inclusive, ISO-8601 UTC as normalised by `parseExportFilter`. */
  readonly since?: string;
  /** Exclusive. */
  readonly until?: string;
  readonly streams?: readonly string[];
  /** Transmission and agent message streams whose events carry one of these `data.guestId`s. */
  readonly guests?: readonly string[];
  readonly types?: readonly string[];
}

export interface ExportFilterInput {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly streams?: readonly string[] | undefined;
  readonly guests?: readonly string[] | undefined;
  readonly types?: readonly string[] | undefined;
}

const INSTANT =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO-8601 date (midnight UTC) or date-time with `Z` or an offset, as epoch milliseconds. */
export function parseInstant(option: string, value: string): number {
  const match = INSTANT.exec(value.trim());
  const problem = `"${value}" is not an ISO-8601 date or time such as 2026-03-01 or 2026-03-01T09:30:00Z`;
  if (match === null) throw new AuditFilterInvalidError(option, problem);
  const [, date, hoursMinutes, seconds, millis, zone] = match;
  const utc = `${date ?? ''}T${hoursMinutes ?? '00:00'}:${seconds ?? '00'}.${(millis ?? '0').padEnd(3, '0')}Z`;
  const base = isoToEpochMs(utc);
  if (base === null) throw new AuditFilterInvalidError(option, problem);
  if (zone === undefined || zone === 'Z') return base;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) throw new AuditFilterInvalidError(option, problem);
  return base - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function ids(option: string, values: readonly string[] | undefined): readonly string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  for (const value of values) {
    if (value.trim().length === 0) throw new AuditFilterInvalidError(option, 'must not be empty');
  }
  return [...new Set(values)];
}

/** Checks the command-line filter; throws `AuditFilterInvalidError` naming the option. */
export function parseExportFilter(input: ExportFilterInput): ExportFilter {
  const sinceMs = input.since === undefined ? undefined : parseInstant('--since', input.since);
  const untilMs = input.until === undefined ? undefined : parseInstant('--until', input.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    throw new AuditFilterInvalidError('--since', 'must be before --until');
  }
  const streams = ids('--stream', input.streams);
  const guests = ids('--guest', input.guests);
  const types = ids('--type', input.types);
  return {
    ...(sinceMs === undefined ? {} : { since: epochMsToIso(sinceMs) }),
    ...(untilMs === undefined ? {} : { until: epochMsToIso(untilMs) }),
    ...(streams === undefined ? {} : { streams }),
    ...(guests === undefined ? {} : { guests }),
    ...(types === undefined ? {} : { types }),
  };
}

export function isFullExport(filter: ExportFilter): boolean {
  return (
    filter.since === undefined &&
    filter.until === undefined &&
    filter.streams === undefined &&
    filter.guests === undefined &&
    filter.types === undefined
  );
}
