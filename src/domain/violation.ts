/** Stable codes: users match on them, so a code is never renamed or reused. */
export type ViolationCode =
  | 'MESSAGE_EMPTY'
  | 'TEXT_TOO_MANY_CHARS'
  | 'TEXT_TOO_MANY_BYTES'
  | 'CONTENT_BLOCKED'
  | 'ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED'
  | 'ATTACHMENT_TOO_LARGE'
  | 'ATTACHMENT_SIZE_INVALID'
  | 'ATTACHMENT_URL_INVALID'
  | 'ATTACHMENT_URL_NOT_HTTPS'
  | 'ATTACHMENT_URL_HAS_CREDENTIALS'
  | 'ATTACHMENT_URL_HOST_NOT_ALLOWED'
  | 'ATTACHMENT_FILENAME_INVALID'
  | 'ATTACHMENT_SHA256_INVALID'
  | 'METADATA_TOO_LARGE'
  | 'GUEST_ID_INVALID'
  | 'CONVERSATION_REF_INVALID'
  | 'RECEIPT_MESSAGE_ID_INVALID'
  | 'RECEIPT_REASONS_INVALID'
  /** The command is not an object, or its `kind` is none of message, receipt, typing. */
  | 'COMMAND_MALFORMED'
  | 'COMMAND_ID_INVALID'
  /** nickname, firstName or lastName: not a string, too long, or with control characters. */
  | 'GUEST_PROFILE_INVALID'
  /** `text` is present but not a string. */
  | 'TEXT_INVALID'
  /** `attachments` is not an array, or one of its items is not an object. */
  | 'ATTACHMENTS_INVALID'
  | 'ATTACHMENTS_TOO_MANY'
  | 'ATTACHMENT_CAPTION_INVALID'
  /** `metadata` is not an object, or has an empty key or a value that is not a string. */
  | 'METADATA_INVALID'
  | 'RECEIPT_STATUS_INVALID';

export interface Violation {
  readonly code: ViolationCode;
  /** A JSON pointer into the command, e.g. `/attachments/0/mime`. */
  readonly field: string;
  readonly message: string;
}
