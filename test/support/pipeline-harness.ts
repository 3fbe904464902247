import { VirtualClock } from '../../src/adapters/clock/virtual-clock.js';
import { SequentialIdGenerator } from '../../src/adapters/ids/uuid-id-generator.js';
import { SeededRandom } from '../../src/adapters/ids/random.js';
import { createInMemoryLedger } from '../../src/adapters/memory/in-memory-work-queue.js';
import { FixedWorkerIdentity } from '../../src/adapters/worker/process-worker-identity.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import {
  ScriptedTransport,
  type ScriptedTransportOptions,
} from '../../src/adapters/memory/scripted-transport.js';
import { AesGcmPersonalDataVault } from '../../src/adapters/crypto/aes-gcm-personal-data-vault.js';
import { MasterKey } from '../../src/adapters/crypto/master-key.js';
import { WrappedPseudonymisationKeyring } from '../../src/adapters/crypto/wrapped-pseudonymisation-keyring.js';
import { LedgerGuestPseudonymiser } from '../../src/application/privacy/ledger-pseudonymiser.js';
import { InMemoryGuestKeyStore } from '../../src/adapters/memory/in-memory-guest-key-store.js';
import type {
  GuestKeyStore,
  GuestPseudonymiser,
  Ledger,
} from '../../src/application/ports/index.js';
import {
  DEFAULT_PIPELINE_CONFIG,
  type PipelineConfig,
} from '../../src/application/transmission/delivery-pipeline.js';
import { fixedPolicy } from '../../src/application/policy/policy-source.js';
import { Transmitter } from '../../src/application/transmitter.js';
import type { AgentReceiptPolicy } from '../../src/application/agent-replies/agent-receipts.js';
import { asError, type RetryPolicyConfig } from '../../src/domain/index.js';
import { compilePolicy, type PolicySettings } from '../../src/domain/policies/index.js';

export interface HarnessOptions {
  readonly pipeline?: Partial<Omit<PipelineConfig, 'retry'>>;
  readonly retry?: Partial<RetryPolicyConfig>;
  readonly ratePerMinute?: number;
  readonly burst?: number;
  readonly policy?: PolicySettings;
  readonly transport?: Omit<ScriptedTransportOptions, 'clock'>;
  readonly ledger?: (clock: VirtualClock) => Ledger;
  /** This transmitter's worker id; default `worker-1`. */
  readonly worker?: string;
  readonly clock?: VirtualClock;
  /** Guest data keys of the AES-GCM vault; default an in-memory store. */
  readonly guestKeys?: GuestKeyStore;
  /** The vault's master key; workers sharing a ledger share it. Default a new one. */
  readonly masterKey?: MasterKey;
  /** How agent messages are acknowledged; default `delivered`. */
  readonly agentReceipts?: AgentReceiptPolicy;
  /** Store keyed hashes of guest ids and conversation refs (GTX_PSEUDONYMISE=guest-ids). */
  readonly pseudonymiseGuestIds?: boolean;
}

export interface PipelineHarness {
  readonly transmitter: Transmitter;
  readonly transport: ScriptedTransport;
  readonly ledger: Ledger;
  readonly clock: VirtualClock;
  readonly logger: InMemoryLogger;
  readonly guestKeys: GuestKeyStore;
  /** The transmitter's names for guest ids and conversation refs, for lookups in a test. */
  readonly pseudonymiser: GuestPseudonymiser;
  /** Advances virtual time until every promise has settled; returns their results. */
  settle<T>(promises: readonly Promise<T>[], maxMs?: number): Promise<T[]>;
}

/** A transmitter over in-memory twins and a virtual clock: whole minutes of retries in ms. */
export function pipelineHarness(options: HarnessOptions = {}): PipelineHarness {
  const clock = options.clock ?? new VirtualClock();
  const ledger = options.ledger?.(clock) ?? createInMemoryLedger(clock);
  const transport = new ScriptedTransport({ clock, ...options.transport });
  const logger = new InMemoryLogger();
  const guestKeys = options.guestKeys ?? new InMemoryGuestKeyStore();
  const masterKey = options.masterKey ?? MasterKey.generate();
  const pseudonymiser = new LedgerGuestPseudonymiser({
    keyring: new WrappedPseudonymisationKeyring(
      () => guestKeys,
      () => masterKey,
      clock,
    ),
    events: ledger.events,
    enabled: options.pseudonymiseGuestIds === true,
    use: 'write',
  });
  const transmitter = new Transmitter(
    {
      ledger,
      worker: new FixedWorkerIdentity(options.worker ?? 'worker-1'),
      transport,
      clock,
      ids: new SequentialIdGenerator('cmd'),
      random: new SeededRandom(7),
      logger,
      vault: new AesGcmPersonalDataVault(guestKeys, masterKey, clock),
      pseudonymiser,
    },
    {
      policy: fixedPolicy(compilePolicy(options.policy)),
      pipeline: {
        ...DEFAULT_PIPELINE_CONFIG,
        ...options.pipeline,
        retry: { ...DEFAULT_PIPELINE_CONFIG.retry, ...options.retry },
      },
      rateLimit: {
        ratePerMinute: options.ratePerMinute ?? 600_000,
        burst: options.burst ?? 1000,
        reserve: 1,
      },
      closeTimeoutMs: 5_000,
      ...(options.agentReceipts === undefined ? {} : { agentReceipts: options.agentReceipts }),
    },
  ).start();

  async function settle<T>(promises: readonly Promise<T>[], maxMs = 3_600_000): Promise<T[]> {
    let pending = promises.length;
    let failure: unknown = null;
    for (const promise of promises) {
      promise.then(
        () => (pending -= 1),
        (error: unknown) => {
          pending -= 1;
          failure ??= error;
        },
      );
    }
    const done = await clock.advanceUntil(() => pending === 0, maxMs);
    if (failure !== null) throw asError(failure);
    if (!done)
      throw new Error(
        `${pending} of ${promises.length} promises still pending after ${maxMs} ms of virtual time`,
      );
    return Promise.all(promises);
  }

  return { transmitter, transport, ledger, clock, logger, guestKeys, pseudonymiser, settle };
}

export function message(id: string, conversation: string, text = `text of ${id}`) {
  return { id, guest: { id: `guest-${conversation}` }, conversation, text };
}
