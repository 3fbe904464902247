import Database from 'better-sqlite3';

/**
 * Asks for the write lock of a SQLite file and gives it back at once, on a connection of its
 * own: reads succeed while another process holds the lock or the file system is read-only, so
 * readiness must try to write. Resolves with null when a write could start, or the reason.
 */
export function probeSqliteWritable(path: string, busyTimeoutMs = 250): string | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return null;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const detail = error instanceof Error ? error.message : String(error);
    if (code === 'SQLITE_BUSY')
      return `LEDGER_UNAVAILABLE: the ledger is locked by another process (${detail})`;
    return `LEDGER_UNAVAILABLE: a write cannot start (${typeof code === 'string' ? code : 'error'}: ${detail})`;
  } finally {
    db?.close();
  }
}
