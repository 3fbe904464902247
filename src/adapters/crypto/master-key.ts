import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inspect } from 'node:util';
import type { ServiceIdentifier } from 'inversify';
import {
  MasterKeyInvalidError,
  MasterKeyMissingError,
} from '../../application/privacy/privacy-errors.js';

const KEY_BYTES = 32;
const IN_MEMORY = ':memory:';

/**
 * The key that wraps every guest data key. Its bytes never print: `String`, JSON and
 * `util.inspect` all show a placeholder, so a logged object cannot leak it.
 */
export class MasterKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = Buffer.from(bytes);
  }

  static fromBytes(bytes: Buffer, source = 'privacy.masterKey'): MasterKey {
    if (bytes.length !== KEY_BYTES) {
      throw new MasterKeyInvalidError(source, `must be ${KEY_BYTES} bytes, not ${bytes.length}`);
    }
    return new MasterKey(bytes);
  }

  /** Base64 text of exactly 32 bytes, as `GTX_MASTER_KEY` and key files hold it. */
  static fromBase64(text: string, source = 'GTX_MASTER_KEY'): MasterKey {
    const trimmed = text.trim();
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.toString('base64') !== trimmed) {
      throw new MasterKeyInvalidError(source, 'must be base64 of 32 random bytes');
    }
    return MasterKey.fromBytes(bytes, source);
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(KEY_BYTES));
  }

  /**
   * 16 hex digits naming this key in the wraps it makes, so a store holding wraps by two master
   * keys (during a rotation) is opened with the one that matches. A hash of 32 random bytes: it
   * tells nothing about the key.
   */
  fingerprint(): string {
    return createHash('sha256')
      .update('gtx-master-key-fingerprint\u0000', 'utf8')
      .update(this.#bytes)
      .digest('hex')
      .slice(0, 16);
  }

  /** The raw bytes, for the cipher only. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return '[MasterKey]';
  }

  toJSON(): string {
    return '[MasterKey]';
  }

  [inspect.custom](): string {
    return '[MasterKey]';
  }
}

export const MASTER_KEY: ServiceIdentifier<MasterKey> = Symbol.for('gtx.MasterKey');

export interface MasterKeySource {
  /** 32 bytes, or their base64 (GTX_MASTER_KEY). */
  readonly masterKey?: Buffer | string;
  /** A file holding the base64 key (GTX_MASTER_KEY_FILE). */
  readonly masterKeyFile?: string;
}

export interface ResolveMasterKeyOptions extends MasterKeySource {
  /** Where the default key file goes: `<ledger>.key`; null for a database ledger (none). */
  readonly ledgerPath: string | null;
  /** Told once, when a new key file was written. */
  readonly onGenerated?: (path: string) => void;
  /** For readers: never create `<ledger>.key`; a missing one is an error. */
  readonly readOnly?: boolean;
  /**
   * How many guest keys the ledger already holds. When there are any, a missing `<ledger>.key`
   * is lost, not new: MASTER_KEY_MISSING instead of a fresh key that could not open them.
   */
  readonly countGuestKeys?: () => number;
}

export function defaultMasterKeyPath(ledgerPath: string): string {
  return `${ledgerPath}.key`;
}

/**
 * The master key from, in order: `masterKey`, `masterKeyFile`, or `<ledger>.key` next to the
 * ledger, created (mode 0600) when it does not exist yet. A `:memory:` ledger gets a key that
 * lives as long as the process, like the ledger itself.
 */
export function resolveMasterKey(options: ResolveMasterKeyOptions): MasterKey {
  const { masterKey, masterKeyFile } = options;
  if (masterKey !== undefined) {
    return typeof masterKey === 'string'
      ? MasterKey.fromBase64(masterKey, 'privacy.masterKey')
      : MasterKey.fromBytes(masterKey);
  }
  if (masterKeyFile !== undefined) return readKeyFile(masterKeyFile, options);
  if (options.ledgerPath === null) {
    throw new MasterKeyInvalidError(
      'GTX_MASTER_KEY',
      'is required with a PostgreSQL ledger (or GTX_MASTER_KEY_FILE): the key never lives beside the data, and every worker must use the same one',
    );
  }
  if (options.ledgerPath === IN_MEMORY) return MasterKey.generate();
  const path = defaultMasterKeyPath(options.ledgerPath);
  if (options.readOnly === true || existsSync(path)) return readKeyFile(path, options);
  const guestKeys = options.countGuestKeys?.() ?? 0;
  if (guestKeys > 0) throw new MasterKeyMissingError(path, options.ledgerPath, guestKeys);
  const generated = MasterKey.generate();
  try {
    // 'wx': never overwrite a key file, even one another process wrote a moment ago.
    writeFileSync(path, `${generated.bytes().toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(path, options);
    throw new MasterKeyInvalidError(path, 'the master key file cannot be created', error);
  }
  options.onGenerated?.(path);
  return generated;
}

/** A missing default key file of a ledger with guest keys says how to restore it. */
function readKeyFile(path: string, ledger?: ResolveMasterKeyOptions): MasterKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const guestKeys =
      ledger !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? (ledger.countGuestKeys?.() ?? 0)
        : 0;
    if (ledger?.ledgerPath != null && guestKeys > 0) {
      throw new MasterKeyMissingError(path, ledger.ledgerPath, guestKeys);
    }
    throw new MasterKeyInvalidError(path, 'the master key file cannot be read', error);
  }
  return MasterKey.fromBase64(text, path);
}
