import type { ReadAllOptions } from '../../application/ports/event-store.port.js';
/** The columns of `events`, named as in `StoredRow`. */
const EVENT_COLUMNS = `global_position AS "position", stream_id AS "streamId",
  stream_version AS "streamVersion", event_type AS "type", schema_version AS "schemaVersion",
  data AS "dataJson", metadata AS "metadataJson", recorded_at AS "recordedAt",
  prev_hash AS "prevHash", hash`;

const EVENT_INSERT_COLUMNS = `global_position, stream_id, stream_version, event_type,
  schema_version, data, metadata, recorded_at, prev_hash, hash`;
const EVENT_INSERT_WIDTH = 10;

/** Rows per INSERT: well under PostgreSQL's 65535 parameters per statement. */
export const MAX_ROWS_PER_INSERT = 1000;

/** The event store's SQL for one schema (`s`, already quoted). */
export function eventStatements(s: string) {
  const readAll = (filters: readonly string[]): string => {
    const where = ['global_position > $1', ...filters].join(' AND ');
    return `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE ${where}
      ORDER BY global_position LIMIT $2`;
  };
  return {
    /** Locks the chain: every writer of the ledger, in every process, queues here. */
    lockHead: `SELECT position, hash FROM ${s}.ledger_head FOR UPDATE`,
    /** The last stored row (not ledger_head, which only the chain lock needs). */
    head: `SELECT global_position AS position, hash FROM ${s}.events
      ORDER BY global_position DESC LIMIT 1`,
    streamVersion: `SELECT COALESCE(MAX(stream_version), 0) AS version FROM ${s}.events
      WHERE stream_id = $1`,
    streamVersions: `SELECT stream_id AS "streamId", MAX(stream_version) AS version
      FROM ${s}.events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
    streamVersionsBefore: `SELECT stream_id AS "streamId", MAX(stream_version) AS version
      FROM ${s}.events WHERE stream_id = ANY($1::text[]) AND global_position < $2
      GROUP BY stream_id`,
    readStream: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE stream_id = $1
      ORDER BY stream_version`,
    readAll: readAll([]),
    readAllByType: readAll(['event_type = ANY($3::text[])']),
    readAllByStream: readAll(['stream_id = ANY($3::text[])']),
    readAllByTypeAndStream: readAll([
      'event_type = ANY($3::text[])',
      'stream_id = ANY($4::text[])',
    ]),
    insertEvents: (rows: number): string => {
      const tuples = Array.from({ length: rows }, (_, row) => {
        const first = row * EVENT_INSERT_WIDTH;
        const params = Array.from({ length: EVENT_INSERT_WIDTH }, (_, i) => `$${first + i + 1}`);
        return `(${params.join(', ')})`;
      });
      return `INSERT INTO ${s}.events (${EVENT_INSERT_COLUMNS}) VALUES ${tuples.join(', ')}`;
    },
  };
}

export type EventStatements = ReturnType<typeof eventStatements>;

/** The page read of `readAll` with the filters `options` asks for, and its parameters. */
export function readAllQuery(
  statements: EventStatements,
  after: number,
  limit: number,
  { types, streamIds }: Pick<ReadAllOptions, 'types' | 'streamIds'>,
): [string, unknown[]] {
  if (types !== undefined && streamIds !== undefined) {
    return [statements.readAllByTypeAndStream, [after, limit, [...types], [...streamIds]]];
  }
  if (types !== undefined) return [statements.readAllByType, [after, limit, [...types]]];
  if (streamIds !== undefined) return [statements.readAllByStream, [after, limit, [...streamIds]]];
  return [statements.readAll, [after, limit]];
}
