import { generateKeyPairSync } from 'node:crypto';
import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../src/adapters/memory/in-memory-event-store.js';
import {
  checkDigestSignature,
  digestSigningPayload,
  generateSigningKeyPair,
  parseDigest,
  parsePrivateKey,
  parsePublicKey,
  takeDigest,
  type LedgerDigest,
} from '../../../../src/application/audit/ledger-digest.js';
import { GENESIS_HASH } from '../../../../src/application/ledger/hash-chain.js';
import type { Clock } from '../../../../src/application/ports/clock.port.js';

const clock: Clock = { now: () => Date.UTC(2026, 2, 1, 12, 0, 0), scheduler: asyncScheduler };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'no error';
}

async function ledgerWithNotes(count: number): Promise<InMemoryEventStore> {
  const ledger = new InMemoryEventStore(clock);
  for (let n = 0; n < count; n += 1) {
    await ledger.append({
      streamId: 'notes',
      expectedVersion: 'any',
      events: [{ type: 'NoteTaken', schemaVersion: 1, data: { n }, metadata: {} }],
    });
  }
  return ledger;
}

describe('takeDigest', () => {
  it("records the head and the clock's time; an empty ledger's head is the genesis hash", async () => {
    expect(await takeDigest(new InMemoryEventStore(clock), clock)).toEqual({
      format: 'gtx-ledger-digest',
      version: 1,
      position: 0,
      headHash: GENESIS_HASH,
      takenAt: '2026-03-01T12:00:00.000Z',
    });
    const ledger = await ledgerWithNotes(3);
    const digest = await takeDigest(ledger, clock);
    expect(digest.position).toBe(3);
    expect(digest.headHash).toBe((await ledger.head()).hash);
  });
});

describe('signed digests', () => {
  const pair = generateSigningKeyPair();
  const privateKey = parsePrivateKey(pair.privateKeyPem, 'test.key');
  const publicKey = parsePublicKey(pair.publicKeyPem, 'test.pub');

  it('verify with the matching public key and fail when any signed field changes', async () => {
    const digest = await takeDigest(await ledgerWithNotes(2), clock, privateKey);
    expect(digest.signature?.keyFingerprint).toBe(pair.keyFingerprint);
    expect(checkDigestSignature(digest, publicKey)).toEqual({
      status: 'valid',
      keyFingerprint: pair.keyFingerprint,
    });
    const changes: Partial<LedgerDigest>[] = [
      { position: digest.position + 1 },
      { headHash: 'e'.repeat(64) },
      { takenAt: '2020-01-01T00:00:00.000Z' },
    ];
    for (const change of changes) {
      expect(checkDigestSignature({ ...digest, ...change }, publicKey).status).toBe('invalid');
    }
  });

  it('say who signed when the key differs, and say unsigned when there is no signature', async () => {
    const digest = await takeDigest(await ledgerWithNotes(1), clock, privateKey);
    const other = generateSigningKeyPair();
    expect(checkDigestSignature(digest, parsePublicKey(other.publicKeyPem, 'o.pub'))).toEqual({
      status: 'otherKey',
      keyFingerprint: other.keyFingerprint,
      expected: pair.keyFingerprint,
    });
    const unsigned = await takeDigest(await ledgerWithNotes(1), clock);
    expect(checkDigestSignature(unsigned, publicKey)).toEqual({ status: 'unsigned' });
  });

  it('sign canonical JSON of every field but the signature value', async () => {
    const digest = await takeDigest(await ledgerWithNotes(1), clock, privateKey);
    expect(digestSigningPayload(digest)).toBe(
      `{"format":"gtx-ledger-digest","headHash":"${digest.headHash}","position":1,"signature":{"algorithm":"ed25519","keyFingerprint":"${pair.keyFingerprint}"},"takenAt":"2026-03-01T12:00:00.000Z","version":1}`,
    );
  });
});

describe('parseDigest', () => {
  const valid = {
    format: 'gtx-ledger-digest',
    version: 1,
    position: 4,
    headHash: 'a'.repeat(64),
    takenAt: '2026-03-01T12:00:00.000Z',
  };

  it('accepts what takeDigest writes', () => {
    expect(parseDigest(JSON.stringify(valid), 'd.json')).toEqual(valid);
  });

  it.each([
    ['not JSON', '{'],
    ['a missing field', JSON.stringify({ ...valid, headHash: undefined })],
    ['a short hash', JSON.stringify({ ...valid, headHash: 'abc' })],
    ['a negative position', JSON.stringify({ ...valid, position: -1 })],
    ['an unknown field', JSON.stringify({ ...valid, extra: 1 })],
    ['a null signature', JSON.stringify({ ...valid, signature: null })],
    ['another format', JSON.stringify({ ...valid, format: 'x' })],
  ])('refuses %s with AUDIT_DIGEST_INVALID', (_name, text) => {
    expect(codeOf(() => parseDigest(text, 'd.json'))).toBe('AUDIT_DIGEST_INVALID');
  });
});

describe('keys', () => {
  it('refuse keys that are not ed25519, and the private half where the public belongs', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaPrivate = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsaPublic = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(codeOf(() => parsePrivateKey(rsaPrivate, 'rsa.key'))).toBe('AUDIT_KEY_INVALID');
    expect(codeOf(() => parsePublicKey(rsaPublic, 'rsa.pub'))).toBe('AUDIT_KEY_INVALID');
    expect(codeOf(() => parsePrivateKey('hello', 'x.key'))).toBe('AUDIT_KEY_INVALID');
    const pair = generateSigningKeyPair();
    expect(codeOf(() => parsePublicKey(pair.privateKeyPem, 'x.pub'))).toBe('AUDIT_KEY_INVALID');
  });
});
