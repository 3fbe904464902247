import { GtxError } from '../../domain/index.js';
import { isConnectionLoss, isTransientConflict } from './postgres-errors.js';

/**
 * A statement shared by a group-commit batch (its stream-version query, its INSERT) was refused
 * with what may be one request's fault (a value PostgreSQL does not accept). Never leaves the
 * event store: it rolls the batch's transaction back before COMMIT, and the store runs the batch
 * again with each request in its own savepoint, where the request at fault gets the real error.
 */
export class BatchStatementRefusedError extends GtxError {
  static readonly CODE = 'LEDGER_BATCH_STATEMENT_REFUSED';

  constructor(cause: unknown) {
    super(BatchStatementRefusedError.CODE, 'a statement of a group-commit batch was refused', {
      cause,
    });
  }
}

/**
 * Runs a statement for `requests` requests at once. A refusal of a batch of several is raised as
 * `BatchStatementRefusedError`; a lost connection or a deadlock stays as it is (the transaction
 * is run again as a whole), and so does any failure of a batch of one (it is that request's).
 */
export async function batchStatement<T>(requests: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (requests <= 1 || isConnectionLoss(error) || isTransientConflict(error)) throw error;
    throw new BatchStatementRefusedError(error);
  }
}
