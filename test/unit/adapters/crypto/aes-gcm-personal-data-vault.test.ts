import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { AesGcmMasterKeyRewrapper } from '../../../../src/adapters/crypto/aes-gcm-master-key-rewrapper.js';
import { AesGcmPersonalDataVault } from '../../../../src/adapters/crypto/aes-gcm-personal-data-vault.js';
import {
  defaultMasterKeyPath,
  MasterKey,
  resolveMasterKey,
} from '../../../../src/adapters/crypto/master-key.js';
import { InMemoryGuestKeyStore } from '../../../../src/adapters/memory/in-memory-guest-key-store.js';
import { upcast } from '../../../../src/application/ledger/transmission-upcasters.js';
import type { SealedContent } from '../../../../src/application/ports/index.js';
import { guestIdHash } from '../../../../src/application/privacy/sealed-content.js';
import { isGtxError, type TransmissionContent } from '../../../../src/domain/index.js';

const content: TransmissionContent = {
  kind: 'message',
  guest: { id: 'guest-1', idType: 'Opaque', nickname: 'Zebediah', firstName: 'Zeb' },
  text: 'my card number is 4111 1111 1111 1111',
  attachments: [
    {
      url: 'https://files.example.com/a.pdf',
      mime: 'application/pdf',
      filename: 'passport-scan.pdf',
      sizeBytes: 10,
    },
  ],
  metadata: {},
};
const context = { guestId: 'guest-1', commandId: 'cmd-1' };

function vaultWith(keys = new InMemoryGuestKeyStore(), master = MasterKey.generate()) {
  return { vault: new AesGcmPersonalDataVault(keys, master, new VirtualClock()), keys, master };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGtxError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

function tamper(sealed: SealedContent, field: 'tag' | 'ct' | 'iv'): SealedContent {
  const bytes = Buffer.from(sealed.sealed[field], 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return { sealed: { ...sealed.sealed, [field]: bytes.toString('base64') } };
}

describe('AES-GCM personal data vault', () => {
  it('round-trips content and stores none of it in the clear', async () => {
    const { vault } = vaultWith();
    const sealed = await vault.seal(context, content);
    expect(sealed.sealed).toMatchObject({ v: 1, alg: 'A256GCM' });
    const stored = JSON.stringify(sealed);
    for (const secret of ['4111', 'Zebediah', 'passport-scan', 'guest-1']) {
      expect(stored).not.toContain(secret);
    }
    expect(await vault.open(context, sealed)).toEqual(content);
  });

  it('uses one key per guest and a fresh 96-bit IV for every seal', async () => {
    const { vault } = vaultWith();
    const a = await vault.seal(context, content);
    const b = await vault.seal(context, content);
    const other = await vault.seal(
      { guestId: 'guest-2', commandId: 'cmd-9' },
      { ...content, guest: { id: 'guest-2', idType: 'Opaque' } },
    );
    expect(a.sealed.keyId).toBe(b.sealed.keyId);
    expect(other.sealed.keyId).not.toBe(a.sealed.keyId);
    expect(a.sealed.iv).not.toBe(b.sealed.iv);
    expect(a.sealed.ct).not.toBe(b.sealed.ct);
    expect(Buffer.from(a.sealed.iv, 'base64')).toHaveLength(12);
  });

  it('refuses a blob moved to another command or another guest (AAD)', async () => {
    const { vault } = vaultWith();
    const sealed = await vault.seal(context, content);
    await vault.seal({ guestId: 'guest-2', commandId: 'cmd-2' }, content);
    expect(await codeOf(vault.open({ ...context, commandId: 'cmd-2' }, sealed))).toBe(
      'SEALED_CONTENT_INVALID',
    );
    expect(await codeOf(vault.open({ guestId: 'guest-2', commandId: 'cmd-1' }, sealed))).toBe(
      'SEALED_CONTENT_INVALID',
    );
  });

  it("keys by the content's guest and binds to the guest id as stored (a pseudonym)", async () => {
    const { vault, keys } = vaultWith();
    const stored = { guestId: 'hmac:pseudonym-of-guest-1', commandId: 'cmd-1' };
    const sealed = await vault.seal(stored, content);
    expect((await keys.findByGuest(guestIdHash('guest-1')))?.keyId).toBe(sealed.sealed.keyId);
    expect(await vault.open(stored, sealed)).toEqual(content);
    expect(await codeOf(vault.open(context, sealed))).toBe('SEALED_CONTENT_INVALID');
  });

  it('refuses a tampered tag, ciphertext or IV', async () => {
    const { vault } = vaultWith();
    const sealed = await vault.seal(context, content);
    for (const field of ['tag', 'ct', 'iv'] as const) {
      expect(await codeOf(vault.open(context, tamper(sealed, field)))).toBe(
        'SEALED_CONTENT_INVALID',
      );
    }
  });

  it('fails with MASTER_KEY_MISMATCH under another master key', async () => {
    const keys = new InMemoryGuestKeyStore();
    const sealed = await vaultWith(keys).vault.seal(context, content);
    const other = vaultWith(keys).vault;
    expect(await codeOf(other.open(context, sealed))).toBe('MASTER_KEY_MISMATCH');
    expect(await codeOf(other.seal(context, content))).toBe('MASTER_KEY_MISMATCH');
  });

  it('tags each wrap with its master key fingerprint, and still opens an untagged (older) wrap', async () => {
    const { vault, keys, master } = vaultWith();
    const sealed = await vault.seal(context, content);
    const stored = await keys.findByGuest(guestIdHash('guest-1'));
    expect(stored?.wrapped.startsWith(`mk1:${master.fingerprint()}:`)).toBe(true);
    expect(master.fingerprint()).toMatch(/^[0-9a-f]{16}$/);
    const untagged = stored!.wrapped.slice(`mk1:${master.fingerprint()}:`.length);
    expect(await keys.rewrap(stored!.keyId, stored!.wrapped, untagged)).toBe(true);
    expect(await vault.open(context, sealed)).toEqual(content);
    expect(await codeOf(vaultWith(keys).vault.open(context, sealed))).toBe('MASTER_KEY_MISMATCH');
  });

  it('opens a key wrapped by two master keys with either, and refuses a third', async () => {
    const keys = new InMemoryGuestKeyStore();
    const { vault: oldVault, master: oldKey } = vaultWith(keys);
    const sealed = await oldVault.seal(context, content);
    const newKey = MasterKey.generate();
    const rewrapper = new AesGcmMasterKeyRewrapper(oldKey, newKey);
    const stored = (await keys.findByGuest(guestIdHash('guest-1')))!;
    const both = rewrapper.addNewWrap(stored)!;
    expect(both.split(',')).toHaveLength(2);
    expect(rewrapper.addNewWrap({ ...stored, wrapped: both })).toBe(null);
    await keys.rewrap(stored.keyId, stored.wrapped, both);
    expect(await oldVault.open(context, sealed)).toEqual(content);
    expect(await vaultWith(keys, newKey).vault.open(context, sealed)).toEqual(content);
    expect(await codeOf(vaultWith(keys).vault.open(context, sealed))).toBe('MASTER_KEY_MISMATCH');
    const onlyNew = rewrapper.dropOldWraps({ ...stored, wrapped: both })!;
    expect(onlyNew.startsWith(`mk1:${newKey.fingerprint()}:`)).toBe(true);
    expect(rewrapper.dropOldWraps({ ...stored, wrapped: onlyNew })).toBe(null);
    expect(() => new AesGcmMasterKeyRewrapper(oldKey, oldKey)).toThrow(
      expect.objectContaining({ code: 'MASTER_KEY_INVALID' }),
    );
  });

  it('stops opening with the old master key once the stored wrap is only the new one', async () => {
    const keys = new InMemoryGuestKeyStore();
    const { vault: oldVault, master: oldKey } = vaultWith(keys);
    const sealed = await oldVault.seal(context, content);
    expect(await oldVault.open(context, sealed)).toEqual(content);
    const rewrapper = new AesGcmMasterKeyRewrapper(oldKey, MasterKey.generate());
    const stored = (await keys.findByGuest(guestIdHash('guest-1')))!;
    const both = rewrapper.addNewWrap(stored)!;
    const onlyNew = rewrapper.dropOldWraps({ ...stored, wrapped: both })!;
    await keys.rewrap(stored.keyId, stored.wrapped, onlyNew);
    expect(await codeOf(oldVault.open(context, sealed))).toBe('MASTER_KEY_MISMATCH');
  });

  it('shows content as erased once the guest key is forgotten, and seals later content with a new key', async () => {
    const { vault, keys } = vaultWith();
    const sealed = await vault.seal(context, content);
    expect(await keys.forget(guestIdHash('guest-1'))).toEqual([sealed.sealed.keyId]);
    expect(await vault.open(context, sealed)).toEqual({ kind: 'erased' });
    const later = await vault.seal({ ...context, commandId: 'cmd-2' }, content);
    expect(later.sealed.keyId).not.toBe(sealed.sealed.keyId);
    expect(await vault.open(context, sealed)).toEqual({ kind: 'erased' });
    expect(await keys.forget(guestIdHash('guest-1'))).toHaveLength(1);
    expect(await keys.forget(guestIdHash('guest-1'))).toEqual([]);
  });
});

describe('v1 upcaster and sealed content', () => {
  const data = (c: unknown) => ({
    commandId: 'cmd-1',
    kind: 'message',
    guestId: 'guest-1',
    conversationRef: 'conv',
    contentSha256: 'ab',
    content: c,
    requestedAt: '2026-01-01T00:00:00.000Z',
  });

  it('accepts a sealed envelope and shows it to state-only readers as unopened', async () => {
    const sealed = await vaultWith().vault.seal(context, content);
    const event = upcast('TransmissionRequested', 1, data(sealed));
    expect(event.type === 'TransmissionRequested' && event.data.content).toEqual({
      kind: 'unopened',
    });
  });

  it('refuses a malformed envelope and content without a known kind', () => {
    expect(() => upcast('TransmissionRequested', 1, data({ sealed: { v: 2 } }))).toThrow(
      /content must be/,
    );
    expect(() => upcast('TransmissionRequested', 1, data({ text: 'x' }))).toThrow(
      /content must be/,
    );
    expect(() => upcast('TransmissionRequested', 1, data({ kind: 'erased' }))).not.toThrow();
  });
});

describe('master key', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'gtx-master-key-'));
    dirs.push(made);
    return made;
  };

  it('accepts base64 of exactly 32 bytes and refuses anything else with a coded error', () => {
    const key = MasterKey.generate().bytes().toString('base64');
    expect(MasterKey.fromBase64(key).bytes()).toHaveLength(32);
    for (const bad of ['', 'not base64!', Buffer.alloc(16).toString('base64')]) {
      expect(() => MasterKey.fromBase64(bad)).toThrow(
        expect.objectContaining({ code: 'MASTER_KEY_INVALID' }),
      );
    }
  });

  it('never prints its bytes', () => {
    const key = MasterKey.generate();
    const b64 = key.bytes().toString('base64');
    for (const shown of [String(key), JSON.stringify({ key }), inspect(key)]) {
      expect(shown).not.toContain(b64);
    }
  });

  it('creates <ledger>.key with mode 0600 once, tells once, and reads it back after', () => {
    const ledgerPath = join(dir(), 'ledger.db');
    const told: string[] = [];
    const first = resolveMasterKey({ ledgerPath, onGenerated: (p) => told.push(p) });
    const second = resolveMasterKey({ ledgerPath, onGenerated: (p) => told.push(p) });
    const path = defaultMasterKeyPath(ledgerPath);
    expect(told).toEqual([path]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(second.bytes().equals(first.bytes())).toBe(true);
    expect(readFileSync(path, 'utf8').trim()).toBe(first.bytes().toString('base64'));
  });

  it('prefers the key given, then the key file', () => {
    const file = join(dir(), 'master.key');
    const fromFile = MasterKey.generate();
    writeFileSync(file, fromFile.bytes().toString('base64'));
    const given = MasterKey.generate();
    const ledgerPath = join(dir(), 'ledger.db');
    expect(
      resolveMasterKey({ masterKey: given.bytes(), masterKeyFile: file, ledgerPath }).bytes(),
    ).toEqual(given.bytes());
    expect(resolveMasterKey({ masterKeyFile: file, ledgerPath }).bytes()).toEqual(fromFile.bytes());
    expect(() => resolveMasterKey({ masterKeyFile: join(file, 'nope'), ledgerPath })).toThrow(
      expect.objectContaining({ code: 'MASTER_KEY_INVALID' }),
    );
  });
});
