import { GtxError } from '../../domain/index.js';

/** A redrive request or dead-letter filter with a bad field; `details.field` names it. */
export class RedriveInputInvalidError extends GtxError {
  constructor(field: string, reason: string) {
    super('REDRIVE_INPUT_INVALID', `${field}: ${reason}`, { details: { field, reason } });
  }
}
