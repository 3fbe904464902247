import type { Database, Statement } from 'better-sqlite3';

const OPEN_COLUMNS = `stream_id AS streamId, command_id AS commandId,
  conversation_ref AS conversationRef, status, retry_at_ms AS retryAtMs, sequence,
  claim_owner AS owner, claim_fence AS fence, claim_until_ms AS leaseUntilMs`;

const SQL = {
  getTransmission: `SELECT stream_id AS streamId, command_id AS commandId,
      conversation_ref AS conversationRef, status, retry_at_ms AS retryAtMs, sequence, attempts,
      last_position AS lastPosition, last_version AS lastVersion, state
      FROM transmissions WHERE stream_id = ?`,
  getHold: `SELECT claim_owner AS owner, claim_fence AS fence, claim_until_ms AS leaseUntilMs
      FROM open_transmissions WHERE stream_id = ?`,
  upsertTransmission: `INSERT INTO transmissions (stream_id, command_id, conversation_ref,
      status, retry_at_ms, sequence, attempts, last_position, last_version, state)
      VALUES (@streamId, @commandId, @conversationRef, @status, @retryAtMs, @sequence, @attempts,
      @lastPosition, @lastVersion, @state)
      ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status,
      retry_at_ms = excluded.retry_at_ms, sequence = excluded.sequence, attempts = excluded.attempts,
      last_position = excluded.last_position, last_version = excluded.last_version,
      state = excluded.state`,
  // The claim columns are the queue's own: an append changes the status, never the holder.
  upsertOpen: `INSERT INTO open_transmissions (stream_id, command_id, conversation_ref,
      status, retry_at_ms, sequence)
      VALUES (@streamId, @commandId, @conversationRef, @status, @retryAtMs, @sequence)
      ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status,
      retry_at_ms = excluded.retry_at_ms, sequence = excluded.sequence`,
  deleteOpen: 'DELETE FROM open_transmissions WHERE stream_id = ?',
  clearTransmissions: 'DELETE FROM transmissions',
  clearOpen: 'DELETE FROM open_transmissions',
  // The head of each conversation is its open row with the lowest sequence. A head is free when
  // nobody holds a live claim on it; a free pending head is work once due, a free in-flight head
  // is an attempt its holder never finished.
  claimable: `SELECT ${OPEN_COLUMNS} FROM open_transmissions AS o
      WHERE o.sequence = (SELECT MIN(h.sequence) FROM open_transmissions AS h
                          WHERE h.conversation_ref = o.conversation_ref)
        AND (o.claim_owner IS NULL OR o.claim_until_ms <= @nowMs)
        AND (o.status = 'inFlight' OR o.retry_at_ms IS NULL OR o.retry_at_ms <= @nowMs)
      ORDER BY o.sequence LIMIT @limit`,
  takeClaim: `UPDATE open_transmissions SET claim_owner = @owner, claim_until_ms = @untilMs,
      claim_fence = claim_fence + 1 WHERE stream_id = @streamId
      RETURNING claim_fence AS fence`,
  renew: `UPDATE open_transmissions SET claim_until_ms = @untilMs
      WHERE claim_owner = @owner AND claim_until_ms > @nowMs`,
  release: `UPDATE open_transmissions SET claim_owner = NULL, claim_until_ms = NULL
      WHERE stream_id = @streamId AND claim_owner = @owner AND claim_fence = @fence`,
  releaseOwner: `UPDATE open_transmissions SET claim_owner = NULL, claim_until_ms = NULL
      WHERE claim_owner = ?`,
  holders: `SELECT DISTINCT claim_owner AS owner FROM open_transmissions
      WHERE claim_owner IS NOT NULL AND claim_until_ms > ? ORDER BY claim_owner`,
  deadLettered: `SELECT stream_id AS streamId, command_id AS commandId,
      conversation_ref AS conversationRef, last_position AS position FROM transmissions
      WHERE status = 'deadLettered' AND last_position > @afterPosition
      ORDER BY last_position LIMIT @limit`,
  countByStatus: 'SELECT status, COUNT(*) AS count FROM transmissions GROUP BY status',
  countOpen: 'SELECT COUNT(*) AS count FROM open_transmissions',
} as const;

export type WorkStatements = { readonly [Name in keyof typeof SQL]: Statement };

/** Every statement the work queue runs, compiled once when the ledger opens. */
export function prepareWorkStatements(db: Database): WorkStatements {
  const entries = Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)] as const);
  return Object.fromEntries(entries) as WorkStatements;
}
