const PROJECTION_COLUMNS = `stream_id AS "streamId", command_id AS "commandId",
  conversation_ref AS "conversationRef", status, retry_at_ms AS "retryAtMs", sequence, attempts,
  last_position AS "lastPosition", last_version AS "lastVersion", state`;

/** The work queue's SQL for one schema (`s`, already quoted). */
export function workStatements(s: string) {
  return {
    getTransmission: `SELECT ${PROJECTION_COLUMNS} FROM ${s}.transmissions WHERE stream_id = $1`,
    getTransmissions: `SELECT ${PROJECTION_COLUMNS} FROM ${s}.transmissions
      WHERE stream_id = ANY($1::text[])`,
    /** Locked until the append commits, so the claim cannot change between check and write. */
    lockHold: `SELECT claim_owner AS owner, claim_fence AS fence, claim_until_ms AS "leaseUntilMs"
      FROM ${s}.open_transmissions WHERE stream_id = $1 FOR UPDATE`,
    upsertTransmission: `INSERT INTO ${s}.transmissions (stream_id, command_id, conversation_ref,
        status, retry_at_ms, sequence, attempts, last_position, last_version, state)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status,
        retry_at_ms = excluded.retry_at_ms, sequence = excluded.sequence,
        attempts = excluded.attempts,
        last_position = excluded.last_position, last_version = excluded.last_version,
        state = excluded.state`,
    // The claim columns are the queue's own: an append changes the status, never the holder.
    upsertOpen: `INSERT INTO ${s}.open_transmissions (stream_id, command_id, conversation_ref,
        status, retry_at_ms, sequence)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status,
        retry_at_ms = excluded.retry_at_ms, sequence = excluded.sequence`,
    deleteOpen: `DELETE FROM ${s}.open_transmissions WHERE stream_id = $1`,
    clearOpen: `DELETE FROM ${s}.open_transmissions`,
    clearTransmissions: `DELETE FROM ${s}.transmissions`,
    /*
     * The head of each conversation is its open row with the lowest sequence. A head is free when
     * nobody holds a live claim on it; a free pending head is work once due, a free in-flight head
     * is an attempt its holder never finished. Rows another worker is claiming right now are
     * skipped (SKIP LOCKED), and a row whose claim committed meanwhile is re-checked by the lock
     * and left out: two workers never take the same head.
     */
    claim: `WITH free AS (
        SELECT o.stream_id FROM ${s}.open_transmissions AS o
        WHERE o.sequence = (SELECT MIN(h.sequence) FROM ${s}.open_transmissions AS h
                            WHERE h.conversation_ref = o.conversation_ref)
          AND (o.claim_owner IS NULL OR o.claim_until_ms <= $1)
          AND (o.status = 'inFlight' OR o.retry_at_ms IS NULL OR o.retry_at_ms <= $1)
        ORDER BY o.sequence LIMIT $2
        FOR UPDATE OF o SKIP LOCKED)
      UPDATE ${s}.open_transmissions AS t
      SET claim_owner = $3, claim_until_ms = $4, claim_fence = t.claim_fence + 1
      FROM free WHERE t.stream_id = free.stream_id
      RETURNING t.stream_id AS "streamId", t.command_id AS "commandId",
        t.conversation_ref AS "conversationRef", t.status, t.retry_at_ms AS "retryAtMs",
        t.sequence, t.claim_fence AS fence`,
    renew: `UPDATE ${s}.open_transmissions SET claim_until_ms = $3
      WHERE claim_owner = $1 AND claim_until_ms > $2`,
    /** Frees the claim and tells listening workers (delivered when the statement commits). */
    release: `WITH released AS (
        UPDATE ${s}.open_transmissions SET claim_owner = NULL, claim_until_ms = NULL
        WHERE stream_id = $1 AND claim_owner = $2 AND claim_fence = $3 RETURNING 1),
      notified AS (SELECT pg_notify($4, 'released') FROM released LIMIT 1)
      SELECT (SELECT COUNT(*) FROM released)::int AS released,
             (SELECT COUNT(*) FROM notified)::int AS notified`,
    releaseOwner: `WITH released AS (
        UPDATE ${s}.open_transmissions SET claim_owner = NULL, claim_until_ms = NULL
        WHERE claim_owner = $1 RETURNING 1),
      notified AS (SELECT pg_notify($2, 'released') FROM released LIMIT 1)
      SELECT (SELECT COUNT(*) FROM released)::int AS released,
             (SELECT COUNT(*) FROM notified)::int AS notified`,
    notify: `SELECT pg_notify($1, 'work')`,
    holders: `SELECT DISTINCT claim_owner AS owner FROM ${s}.open_transmissions
      WHERE claim_owner IS NOT NULL AND claim_until_ms > $1`,
    deadLettered: `SELECT stream_id AS "streamId", command_id AS "commandId",
        conversation_ref AS "conversationRef", last_position AS position
      FROM ${s}.transmissions WHERE status = 'deadLettered' AND last_position > $1
      ORDER BY last_position LIMIT $2`,
    countByStatus: `SELECT status, COUNT(*)::int AS count FROM ${s}.transmissions
      GROUP BY status`,
    countOpen: `SELECT COUNT(*)::int AS count FROM ${s}.open_transmissions`,
  };
}

export type WorkStatements = ReturnType<typeof workStatements>;
