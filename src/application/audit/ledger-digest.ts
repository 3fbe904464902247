import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { Ajv, type JSONSchemaType } from 'ajv';
import { epochMsToIso } from '../../domain/index.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventStore, LedgerHead } from '../ports/event-store.port.js';
import { AuditDigestInvalidError, AuditKeyInvalidError } from './audit-errors.js';

export const DIGEST_FORMAT = 'gtx-ledger-digest';

export interface DigestSignature {
  readonly algorithm: 'ed25519';
  /** `sha256:` and the hex SHA-256 of the public key's DER (SPKI) encoding. */
  readonly keyFingerprint: string;
  /** Base64 ed25519 signature over `digestSigningPayload(digest)`. */
  readonly value: string;
}

/** The head of a ledger at one moment: kept elsewhere, it later proves nothing before it changed. */
export interface LedgerDigest {
  readonly format: typeof DIGEST_FORMAT;
  readonly version: 1;
  /** Position of the last row when the digest was taken; 0 for an empty ledger. */
  readonly position: number;
  /** That row's hash (the genesis hash for an empty ledger). */
  readonly headHash: string;
  readonly takenAt: string;
  readonly signature?: DigestSignature;
}

const HEX_SHA256 = '^[0-9a-f]{64}$';

const digestSchema: JSONSchemaType<LedgerDigest> = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'version', 'position', 'headHash', 'takenAt'],
  properties: {
    format: { type: 'string', const: DIGEST_FORMAT },
    version: { type: 'integer', const: 1 },
    position: { type: 'integer', minimum: 0 },
    headHash: { type: 'string', pattern: HEX_SHA256 },
    takenAt: { type: 'string', minLength: 1 },
    signature: {
      type: 'object',
      // JSONSchemaType spells an optional property as nullable; null is refused after the check.
      nullable: true,
      additionalProperties: false,
      required: ['algorithm', 'keyFingerprint', 'value'],
      properties: {
        algorithm: { type: 'string', const: 'ed25519' },
        keyFingerprint: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
        value: { type: 'string', pattern: '^[A-Za-z0-9+/]+={0,2}$' },
      },
    },
  },
};

const checkDigest = new Ajv({ allErrors: true, strict: true }).compile(digestSchema);

/** The text a digest's signature covers: canonical JSON of every field but the signature value. */
export function digestSigningPayload(digest: LedgerDigest): string {
  const { signature, ...fields } = digest;
  return canonicalJson(
    signature === undefined
      ? fields
      : {
          ...fields,
          signature: { algorithm: signature.algorithm, keyFingerprint: signature.keyFingerprint },
        },
  );
}

export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** Reads the current head and, given an ed25519 private key, signs it. */
export async function takeDigest(
  ledger: EventStore,
  clock: Clock,
  signingKey?: KeyObject,
): Promise<LedgerDigest> {
  const head: LedgerHead = await ledger.head();
  const digest: LedgerDigest = {
    format: DIGEST_FORMAT,
    version: 1,
    position: head.position,
    headHash: head.hash,
    takenAt: epochMsToIso(clock.now()),
  };
  return signingKey === undefined ? digest : signDigest(digest, signingKey);
}

export function signDigest(digest: LedgerDigest, privateKey: KeyObject): LedgerDigest {
  requireEd25519(privateKey, 'private', 'the signing key');
  const { signature: _previous, ...fields } = digest;
  const header = { algorithm: 'ed25519', keyFingerprint: keyFingerprint(privateKey) } as const;
  const payload = digestSigningPayload({ ...fields, signature: { ...header, value: '' } });
  const value = sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64');
  return { ...fields, signature: { ...header, value } };
}

/** Parses and checks a digest file's text; `source` names it in the error. */
export function parseDigest(text: string, source: string): LedgerDigest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AuditDigestInvalidError(source, 'it is not JSON');
  }
  if (!checkDigest(parsed)) {
    const first = checkDigest.errors?.[0];
    const where = first?.instancePath === '' || first === undefined ? '' : `${first.instancePath} `;
    throw new AuditDigestInvalidError(source, `${where}${first?.message ?? 'wrong shape'}`);
  }
  if ((parsed as { signature?: unknown }).signature === null) {
    throw new AuditDigestInvalidError(source, '/signature must be an object');
  }
  return parsed;
}

export type SignatureCheck =
  | { readonly status: 'valid'; readonly keyFingerprint: string }
  | { readonly status: 'unsigned' }
  | { readonly status: 'otherKey'; readonly keyFingerprint: string; readonly expected: string }
  | { readonly status: 'invalid'; readonly keyFingerprint: string };

/** Checks a digest's signature with a public key the verifier brings (not one from the digest). */
export function checkDigestSignature(digest: LedgerDigest, publicKey: KeyObject): SignatureCheck {
  requireEd25519(publicKey, 'public', 'the public key');
  const fingerprint = keyFingerprint(publicKey);
  const signature = digest.signature;
  if (signature === undefined) return { status: 'unsigned' };
  if (signature.keyFingerprint !== fingerprint) {
    return { status: 'otherKey', keyFingerprint: fingerprint, expected: signature.keyFingerprint };
  }
  const valid = verify(
    null,
    Buffer.from(digestSigningPayload(digest), 'utf8'),
    publicKey,
    Buffer.from(signature.value, 'base64'),
  );
  return valid
    ? { status: 'valid', keyFingerprint: fingerprint }
    : { status: 'invalid', keyFingerprint: fingerprint };
}

function requireEd25519(key: KeyObject, type: 'private' | 'public', what: string): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyInvalidError(
      what,
      `expected an ed25519 ${type} key, got a ${key.asymmetricKeyType ?? key.type} ${key.type} key`,
    );
  }
}

/** An ed25519 private key from PEM text (PKCS#8); `source` names the file in errors. */
export function parsePrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new AuditKeyInvalidError(source, 'not a PEM private key', error);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyInvalidError(
      source,
      `an ${String(key.asymmetricKeyType)} key, expected ed25519`,
    );
  }
  return key;
}

/** An ed25519 public key from PEM text (SPKI). A private key is refused: verifiers hold only the public half. */
export function parsePublicKey(pem: string, source: string): KeyObject {
  if (pem.includes('PRIVATE KEY')) {
    throw new AuditKeyInvalidError(source, 'this is a private key; pass the public key (.pub)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new AuditKeyInvalidError(source, 'not a PEM public key', error);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyInvalidError(
      source,
      `an ${String(key.asymmetricKeyType)} key, expected ed25519`,
    );
  }
  return key;
}

export interface SigningKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly keyFingerprint: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyFingerprint: keyFingerprint(publicKey),
  };
}
