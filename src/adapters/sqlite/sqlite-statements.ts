import type { Database, Statement } from 'better-sqlite3';

const EVENT_COLUMNS = `global_position AS position, stream_id AS streamId,
  stream_version AS streamVersion, event_type AS type, schema_version AS schemaVersion,
  data AS dataJson, metadata AS metadataJson, recorded_at AS recordedAt,
  prev_hash AS prevHash, hash`;

const OPEN_COLUMNS = `stream_id AS streamId, command_id AS commandId,
  conversation_ref AS conversationRef, status, retry_at_ms AS retryAtMs, sequence`;

const TYPE_FILTER = 'event_type IN (SELECT value FROM json_each(@types))';
const STREAM_FILTER = 'stream_id IN (SELECT value FROM json_each(@streamIds))';

function readAllSql(filters: readonly string[]): string {
  const where = ['global_position > @afterPosition', ...filters].join(' AND ');
  return `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY global_position LIMIT @limit`;
}

const SQL = {
  head: 'SELECT global_position AS position, hash FROM events ORDER BY global_position DESC LIMIT 1',
  streamVersion:
    'SELECT COALESCE(MAX(stream_version), 0) AS version FROM events WHERE stream_id = ?',
  insertEvent: `INSERT INTO events (global_position, stream_id, stream_version, event_type,
      schema_version, data, metadata, recorded_at, prev_hash, hash)
      VALUES (@position, @streamId, @streamVersion, @type, @schemaVersion, @dataJson, @metadataJson,
      @recordedAt, @prevHash, @hash)`,
  readStream: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? ORDER BY stream_version`,
  readAll: readAllSql([]),
  readAllByType: readAllSql([TYPE_FILTER]),
  readAllByStream: readAllSql([STREAM_FILTER]),
  readAllByTypeAndStream: readAllSql([TYPE_FILTER, STREAM_FILTER]),
  getTransmission: `SELECT stream_id AS streamId, command_id AS commandId,
      conversation_ref AS conversationRef, status, retry_at_ms AS retryAtMs, sequence, attempts,
      last_position AS lastPosition, last_version AS lastVersion, state
      FROM transmissions WHERE stream_id = ?`,
  upsertTransmission: `INSERT INTO transmissions (stream_id, command_id, conversation_ref,
      status, retry_at_ms, sequence, attempts, last_position, last_version, state)
      VALUES (@streamId, @commandId, @conversationRef, @status, @retryAtMs, @sequence, @attempts,
      @lastPosition, @lastVersion, @state)
      ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status,
      retry_at_ms = excluded.retry_at_ms, attempts = excluded.attempts,
      last_position = excluded.last_position, last_version = excluded.last_version,
      state = excluded.state`,
  upsertOpen: `INSERT INTO open_transmissions (stream_id, command_id, conversation_ref,
      status, retry_at_ms, sequence)
      VALUES (@streamId, @commandId, @conversationRef, @status, @retryAtMs, @sequence)
      ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status,
      retry_at_ms = excluded.retry_at_ms`,
  deleteOpen: 'DELETE FROM open_transmissions WHERE stream_id = ?',
  clearTransmissions: 'DELETE FROM transmissions',
  clearOpen: 'DELETE FROM open_transmissions',
  // The head of each conversation is its open row with the lowest sequence; an in-flight head
  // blocks its conversation, so only pending heads that are due come back.
  nextWork: `SELECT ${OPEN_COLUMNS} FROM open_transmissions AS o
      WHERE o.status = 'pending'
        AND (o.retry_at_ms IS NULL OR o.retry_at_ms <= @dueByMs)
        AND o.sequence = (SELECT MIN(h.sequence) FROM open_transmissions AS h
                          WHERE h.conversation_ref = o.conversation_ref)
        AND o.conversation_ref NOT IN (SELECT value FROM json_each(@excluded))
      ORDER BY o.sequence LIMIT @limit`,
  interruptedWork: `SELECT ${OPEN_COLUMNS} FROM open_transmissions
      WHERE status = 'inFlight' ORDER BY sequence LIMIT ?`,
  countByStatus: 'SELECT status, COUNT(*) AS count FROM transmissions GROUP BY status',
} as const;

export type LedgerStatements = { readonly [Name in keyof typeof SQL]: Statement };

/** Every statement the ledger runs, compiled once when it opens. */
export function prepareStatements(db: Database): LedgerStatements {
  const entries = Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)] as const);
  return Object.fromEntries(entries) as LedgerStatements;
}
