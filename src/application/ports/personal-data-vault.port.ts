import type { ServiceIdentifier } from 'inversify';
import type {
  AgentMessageContent,
  ErasedContent,
  TransmissionContent,
} from '../../domain/index.js';

/** Personal content the vault seals: a guest's request, or an agent's message to the guest. */
export type SealableContent = TransmissionContent | AgentMessageContent;

/**
 * The stored form of a request's personal content: AES-256-GCM under the guest's data key.
 * The ledger's hash chain covers this envelope, so destroying the key erases the content while
 * the chain still verifies. All binary fields are base64.
 */
export interface SealedEnvelope {
  readonly v: 1;
  readonly alg: 'A256GCM';
  /** The guest data key it was sealed with; the key store finds the key by this id. */
  readonly keyId: string;
  /** 96-bit IV, fresh for every seal. */
  readonly iv: string;
  /** 128-bit GCM authentication tag. */
  readonly tag: string;
  readonly ct: string;
}

export interface SealedContent {
  readonly sealed: SealedEnvelope;
}

/**
 * What a sealed blob is bound to (GCM additional data): a blob copied into another guest's or
 * another command's event does not open.
 */
export interface SealContext {
  /** The guest id as the event stores it: the id, or its keyed hash on a pseudonymised ledger. */
  readonly guestId: string;
  readonly commandId: string;
}

/** Encrypts personal content per guest and opens it again, unless the guest was forgotten. */
export interface PersonalDataVault {
  /** Seals with the data key of the content's guest, creating the key on first use. */
  seal(context: SealContext, content: SealableContent): Promise<SealedContent>;
  /**
   * The plaintext, or `{kind: 'erased'}` when the key is gone. A blob that fails to
   * authenticate rejects with `SEALED_CONTENT_INVALID`; a master key that does not unwrap the
   * guest key rejects with `MASTER_KEY_MISMATCH`.
   */
  open(context: SealContext, sealed: SealedContent): Promise<SealableContent | ErasedContent>;
  /**
   * Checks that the master key unwraps a stored guest key (when any is stored), so a worker
   * given the wrong key refuses to start (`MASTER_KEY_MISMATCH`) instead of failing per message.
   */
  verifyMasterKey?(): Promise<void>;
  /** Releases the key store. */
  close(): Promise<void>;
}

export const PERSONAL_DATA_VAULT: ServiceIdentifier<PersonalDataVault> =
  Symbol.for('gtx.PersonalDataVault');
