import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { AesGcmMasterKeyRewrapper } from '../../../../src/adapters/crypto/aes-gcm-master-key-rewrapper.js';
import { MasterKey } from '../../../../src/adapters/crypto/master-key.js';
import {
  PSEUDONYMISATION_KEY_OWNER,
  WrappedPseudonymisationKeyring,
} from '../../../../src/adapters/crypto/wrapped-pseudonymisation-keyring.js';
import { InMemoryGuestKeyStore } from '../../../../src/adapters/memory/in-memory-guest-key-store.js';
import { createInMemoryLedger } from '../../../../src/adapters/memory/in-memory-work-queue.js';
import type { GuestKeyStore } from '../../../../src/application/ports/index.js';
import {
  clearGuestIds,
  keyedGuestPseudonymiser,
  keyedPseudonym,
} from '../../../../src/application/privacy/guest-pseudonyms.js';
import {
  LedgerGuestPseudonymiser,
  type PseudonymiserUse,
} from '../../../../src/application/privacy/ledger-pseudonymiser.js';
import { MasterKeyRotation } from '../../../../src/application/privacy/master-key-rotation.js';
import { isGtxError } from '../../../../src/domain/index.js';
import { pipelineHarness } from '../../../support/pipeline-harness.js';

const EMAIL = 'ada.lovelace@example.org';
const PHONE = '+447700900123';

/** The expected pseudonym, computed here with node:crypto and none of the code under test. */
function independentHmac(key: Buffer, field: string, value: string): string {
  const mac = createHmac('sha256', key).update(`gtx-${field}\u0000${value}`).digest();
  return `hmac:${mac.toString('base64').replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
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

describe('keyed pseudonyms', () => {
  it('are HMAC-SHA-256 of the domain-separated value, as base64url after hmac:', () => {
    const key = randomBytes(32);
    for (const value of [EMAIL, PHONE, 'conv-1', 'é ünïcode']) {
      expect(keyedPseudonym(key, 'guestId', value)).toBe(independentHmac(key, 'guestId', value));
      expect(keyedPseudonym(key, 'conversationRef', value)).toBe(
        independentHmac(key, 'conversationRef', value),
      );
    }
    expect(keyedPseudonym(key, 'guestId', EMAIL)).toMatch(/^hmac:[A-Za-z0-9_-]{43}$/);
  });

  it('are deterministic per key, differ across keys, and differ between a guest id and an equal conversation ref', async () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const pseudonymiser = keyedGuestPseudonymiser(a);
    expect(await pseudonymiser.guestId(EMAIL)).toBe(await pseudonymiser.guestId(EMAIL));
    expect(await pseudonymiser.guestId(EMAIL)).not.toBe(await pseudonymiser.guestId(PHONE));
    expect(await pseudonymiser.guestId(EMAIL)).not.toBe(
      await keyedGuestPseudonymiser(b).guestId(EMAIL),
    );
    expect(await pseudonymiser.guestId(EMAIL)).not.toBe(await pseudonymiser.conversationRef(EMAIL));
    expect(await clearGuestIds.guestId(EMAIL)).toBe(EMAIL);
    expect(await clearGuestIds.conversationRef(PHONE)).toBe(PHONE);
  });
});

interface LedgerUnderTest {
  readonly keys: GuestKeyStore;
  readonly clock: VirtualClock;
  readonly ledger: ReturnType<typeof createInMemoryLedger>;
  pseudonymiser(
    use: PseudonymiserUse,
    enabled: boolean,
    master?: MasterKey,
  ): LedgerGuestPseudonymiser;
}

function ledgerUnderTest(masterKey = MasterKey.generate()): LedgerUnderTest {
  const clock = new VirtualClock();
  const keys = new InMemoryGuestKeyStore();
  const ledger = createInMemoryLedger(clock);
  return {
    keys,
    clock,
    ledger,
    pseudonymiser: (use, enabled, master = masterKey) => {
      const keyring = new WrappedPseudonymisationKeyring(
        () => keys,
        () => master,
        clock,
      );
      return use === 'write'
        ? new LedgerGuestPseudonymiser({ keyring, use, enabled, events: ledger.events })
        : new LedgerGuestPseudonymiser({ keyring, use });
    },
  };
}

describe('the ledger pseudonymiser', () => {
  it('creates one key per ledger, wrapped by the master key, and every writer and reader agrees on it', async () => {
    const under = ledgerUnderTest();
    const first = await under.pseudonymiser('write', true).guestId(EMAIL);
    const second = await under.pseudonymiser('write', true).guestId(EMAIL);
    const lookup = await under.pseudonymiser('lookup', false).guestId(EMAIL);
    expect(first).toMatch(/^hmac:/);
    expect([second, lookup]).toEqual([first, first]);
    const stored = await under.keys.findByGuest(PSEUDONYMISATION_KEY_OWNER);
    expect(stored?.wrapped).toMatch(/^mk1:[0-9a-f]{16}:/);
    expect(await under.keys.list(null, 10)).toHaveLength(1);
  });

  it('leaves a ledger without a key in clear, and never reads the master key for it', async () => {
    const under = ledgerUnderTest();
    const keyring = new WrappedPseudonymisationKeyring(
      () => under.keys,
      () => {
        throw new Error('the master key was read');
      },
      under.clock,
    );
    const writer = new LedgerGuestPseudonymiser({
      keyring,
      use: 'write',
      enabled: false,
      events: under.ledger.events,
    });
    expect(await writer.guestId(EMAIL)).toBe(EMAIL);
    expect(await new LedgerGuestPseudonymiser({ keyring, use: 'lookup' }).guestId(PHONE)).toBe(
      PHONE,
    );
  });

  it('refuses to turn on for a ledger that already holds clear ids (PSEUDONYMISATION_LEDGER_NOT_EMPTY), creating no key', async () => {
    const h = pipelineHarness();
    await h.settle([h.transmitter.submit({ id: 'clear-1', guest: { id: EMAIL }, text: 'hi' })]);
    const keyring = new WrappedPseudonymisationKeyring(
      () => h.guestKeys,
      () => MasterKey.generate(),
      h.clock,
    );
    const writer = new LedgerGuestPseudonymiser({
      keyring,
      use: 'write',
      enabled: true,
      events: h.ledger.events,
    });
    expect(await codeOf(writer.ready())).toBe('PSEUDONYMISATION_LEDGER_NOT_EMPTY');
    expect(await h.guestKeys.findByGuest(PSEUDONYMISATION_KEY_OWNER)).toBeNull();
    await h.transmitter.close();
  });

  it('refuses a writer with the setting off on a pseudonymised ledger (PSEUDONYMISATION_REQUIRED); lookups still find the hash', async () => {
    const under = ledgerUnderTest();
    const stored = await under.pseudonymiser('write', true).guestId(EMAIL);
    expect(await codeOf(under.pseudonymiser('write', false).ready())).toBe(
      'PSEUDONYMISATION_REQUIRED',
    );
    expect(await under.pseudonymiser('lookup', false).guestId(EMAIL)).toBe(stored);
  });

  it('keeps the same pseudonyms after rotate-master-key re-wraps its key, and the old master key no longer opens it', async () => {
    const [oldKey, newKey] = [MasterKey.generate(), MasterKey.generate()];
    const under = ledgerUnderTest(oldKey);
    const before = await under.pseudonymiser('write', true).conversationRef('conv-7');
    const report = await new MasterKeyRotation({
      keys: under.keys,
      rewrapper: new AesGcmMasterKeyRewrapper(oldKey, newKey),
    }).run();
    expect(report).toEqual({ keys: 1, newWrapsAdded: 1, oldWrapsDropped: 1 });
    expect(await under.pseudonymiser('lookup', false, newKey).conversationRef('conv-7')).toBe(
      before,
    );
    expect(await codeOf(under.pseudonymiser('lookup', false, oldKey).guestId(EMAIL))).toBe(
      'MASTER_KEY_MISMATCH',
    );
  });

  it('tries again after a failure instead of keeping it', async () => {
    const under = ledgerUnderTest();
    let down = true;
    const flaky: GuestKeyStore = Object.assign(Object.create(under.keys) as GuestKeyStore, {
      findByGuest: (hash: string) =>
        down ? Promise.reject(new Error('database gone')) : under.keys.findByGuest(hash),
    });
    const writer = new LedgerGuestPseudonymiser({
      keyring: new WrappedPseudonymisationKeyring(
        () => flaky,
        () => MasterKey.generate(),
        under.clock,
      ),
      use: 'write',
      enabled: true,
      events: under.ledger.events,
    });
    await expect(writer.guestId(EMAIL)).rejects.toThrow('database gone');
    down = false;
    expect(await writer.guestId(EMAIL)).toMatch(/^hmac:/);
  });
});
