/**
 * The composition root of the library: the one place that binds ports to adapters for a
 * transmitter (`createTransmitter`); tests rebind any port. The CLI, `gtx serve`, the feed and
 * replay are built on it from settings in src/composition/, which imports this file (never the
 * other way round).
 */
import { Container, ContainerModule } from 'inversify';
import { SystemClock } from './adapters/clock/system-clock.js';
import { openMessagingModule } from './adapters/genesys/open-messaging/open-messaging-module.js';
import type { OpenMessagingOptions } from './adapters/genesys/open-messaging/open-messaging-options.js';
import { webMessagingModule } from './adapters/genesys/web-messaging/web-messaging-module.js';
import type { WebMessagingOptions } from './adapters/genesys/web-messaging/web-messaging-options.js';
import { CryptoRandom } from './adapters/ids/random.js';
import { UuidIdGenerator } from './adapters/ids/uuid-id-generator.js';
import { WinstonLogger, type LogLevel } from './adapters/logging/winston-logger.js';
import { sqliteLedgerModule } from './adapters/sqlite/sqlite-ledger.module.js';
import { privacyModule, type PrivacyOptions } from './adapters/crypto/privacy.module.js';
import { InMemoryGuestKeyStore } from './adapters/memory/in-memory-guest-key-store.js';
import { SqliteGuestKeyStore } from './adapters/sqlite/sqlite-guest-key-store.js';
import type { SqliteLedgerSettings } from './adapters/sqlite/sqlite-ledger-options.js';
import type { PostgresDatabase } from './adapters/postgres/postgres-database.js';
import { ProcessWorkerIdentity } from './adapters/worker/process-worker-identity.js';
import { PostgresGuestSessionStore } from './adapters/genesys/web-messaging/postgres-guest-session-store.js';
import { SqliteGuestSessionStore } from './adapters/genesys/web-messaging/sqlite-guest-session-store.js';
import { PostgresGuestKeyStore } from './adapters/postgres/postgres-guest-key-store.js';
import type { PostgresLedgerSettings } from './adapters/postgres/postgres-ledger-options.js';
import {
  POSTGRES_DATABASE,
  postgresLedgerModule,
} from './adapters/postgres/postgres-ledger.module.js';
import {
  CLOCK,
  isAgentMessageSource,
  LEDGER,
  ID_GENERATOR,
  LOGGER,
  MESSAGING_TRANSPORT,
  GUEST_KEY_STORE,
  GUEST_PSEUDONYMISER,
  PERSONAL_DATA_VAULT,
  RANDOM,
  WORKER_IDENTITY,
  type GuestKeyStore,
  type GuestPseudonymiser,
  type Ledger,
  type WorkerIdentity,
  type PersonalDataVault,
  type Clock,
  type IdGenerator,
  type Logger,
  type MessagingTransport,
  type Random,
} from './application/ports/index.js';
import {
  DEFAULT_PIPELINE_CONFIG,
  type PipelineConfig,
  type PipelineObserver,
} from './application/transmission/delivery-pipeline.js';
import { clearGuestIds } from './application/privacy/guest-pseudonyms.js';
import {
  fixedPolicy,
  policyWithMediaTypes,
  type MediaTypeSource,
} from './application/policy/policy-source.js';
import { Transmitter, type TransmitterSettings } from './application/transmitter.js';
import type { AgentReceiptPolicy } from './application/agent-replies/agent-receipts.js';
import { GtxError, type RetryPolicyConfig } from './domain/index.js';
import { compilePolicy, type PolicySettings } from './domain/policies/index.js';
import type { ServiceIdentifier } from 'inversify';

export interface TransmitterAdapters {
  /** The event store and work queue, e.g. `createInMemoryLedger(clock)` from the testing kit. */
  readonly ledger?: Ledger;
  /** Who this worker is to the work queue; default `host/pid/random`. */
  readonly worker?: WorkerIdentity;
  readonly transport?: MessagingTransport;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly ids?: IdGenerator;
  readonly random?: Random;
  /** Seals and opens personal content; replaces the AES-GCM vault (and its master key). */
  readonly vault?: PersonalDataVault;
  /** Where guest data keys live; default beside the ledger (in memory with `adapters.ledger` and no `ledger`). */
  readonly guestKeys?: GuestKeyStore;
  /**
   * How guest ids and conversation refs are stored; default by `privacy.pseudonymiseGuestIds`
   * and the ledger. With `vault` given and pseudonymisation off: the values, as they are.
   */
  readonly pseudonymiser?: GuestPseudonymiser;
  /** Wraps the ledger the transmitter runs on (e.g. its event store in a timing decorator). */
  readonly decorateLedger?: (ledger: Ledger) => Ledger;
}

/**
 * Where the ledger lives: a SQLite file (`{ path }`, the embedded default), or a PostgreSQL
 * database shared by several workers (`{ url, schema? }`, see docs/scale-out.md).
 */
export type LedgerSettings = SqliteLedgerSettings | PostgresLedgerSettings;

export function isPostgresLedger(settings: LedgerSettings): settings is PostgresLedgerSettings {
  return 'url' in settings;
}

export interface TransmitterOptions {
  /**
   * The ledger: `{ path }` for a SQLite file (default `./gtx-ledger.db`) or `{ url, schema? }`
   * for PostgreSQL, whose master key must then be given (`privacy`). With `adapters.ledger`, it
   * only says where guest keys and Web Messaging sessions live.
   */
  readonly ledger?: LedgerSettings;
  /** Genesys Open Messaging; required unless `adapters.transport` is given. */
  readonly genesys?: OpenMessagingOptions;
  /**
   * The Web Messaging Guest API instead of Open Messaging (`GTX_TRANSPORT=web-messaging`); guest
   * session tokens are kept beside the ledger so a restart resumes each guest's session.
   */
  readonly webMessaging?: WebMessagingOptions;
  readonly policy?: PolicySettings;
  /**
   * Where the supported media types come from instead of `policy.supportedMediaTypes`, asked
   * for each command: e.g. the integration's Supported Content profile (`GTX_MEDIA_POLICY`).
   */
  readonly mediaTypes?: MediaTypeSource;
  readonly pipeline?: Partial<Omit<PipelineConfig, 'retry'>> & {
    readonly retry?: Partial<RetryPolicyConfig>;
  };
  readonly rateLimit?: { readonly perMinute?: number; readonly burst?: number };
  readonly closeTimeoutMs?: number;
  /** Of the default logger (JSON lines on standard error); default `warn`. */
  readonly logLevel?: LogLevel;
  /**
   * The master key of personal-data encryption; default the key file `<ledger>.key` beside a
   * SQLite ledger. A PostgreSQL ledger needs it given: the key never lives beside the data.
   */
  readonly privacy?: PrivacyOptions;
  /**
   * How agent messages (the outbound webhook, a guest's socket) are acknowledged: `delivered`
   * (default) sends a Delivered receipt for each, `off` none, a function decides per message.
   */
  readonly agentReceipts?: AgentReceiptPolicy;
  /** Bind any of these in place of the real adapters. */
  readonly adapters?: TransmitterAdapters;
  readonly observer?: PipelineObserver;
}

export const DEFAULT_LEDGER_PATH = './gtx-ledger.db';
export const DEFAULT_RATE_PER_MINUTE = 300;
/** A library speaks only when something needs attention; `logLevel: 'info'` tells more. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'warn';

export const TRANSMITTER: ServiceIdentifier<Transmitter> = Symbol.for('gtx.Transmitter');
export const TRANSMITTER_SETTINGS: ServiceIdentifier<TransmitterSettings> =
  Symbol.for('gtx.TransmitterSettings');

export class TransmitterConfigError extends GtxError {
  constructor(setting: string, reason: string) {
    super('CONFIG_INVALID', `${setting}: ${reason}`, { details: { setting } });
  }
}

function coreModule(options: TransmitterOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(CLOCK).to(SystemClock).inSingletonScope();
    bind(ID_GENERATOR).to(UuidIdGenerator).inSingletonScope();
    bind(RANDOM).to(CryptoRandom).inSingletonScope();
    bind(WORKER_IDENTITY).toConstantValue(new ProcessWorkerIdentity());
    bind(LOGGER).toConstantValue(
      WinstonLogger.create({ level: options.logLevel ?? DEFAULT_LOG_LEVEL }),
    );
  });
}

function transmitterModule(options: TransmitterOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TRANSMITTER_SETTINGS).toConstantValue(transmitterSettings(options));
    bind(TRANSMITTER)
      .toResolvedValue(
        (
          settings: TransmitterSettings,
          ledger,
          worker,
          transport,
          clock,
          ids,
          random,
          logger,
          vault,
          pseudonymiser,
        ) =>
          new Transmitter(
            {
              ledger: options.adapters?.decorateLedger?.(ledger) ?? ledger,
              worker,
              transport,
              clock,
              ids,
              random,
              logger,
              vault,
              ...(isAgentMessageSource(transport) ? { agentMessages: transport } : {}),
              pseudonymiser,
            },
            settings,
            options.observer ?? {},
          ),
        [
          TRANSMITTER_SETTINGS,
          LEDGER,
          WORKER_IDENTITY,
          MESSAGING_TRANSPORT,
          CLOCK,
          ID_GENERATOR,
          RANDOM,
          LOGGER,
          PERSONAL_DATA_VAULT,
          GUEST_PSEUDONYMISER,
        ],
      )
      .inSingletonScope();
  });
}

export function transmitterSettings(options: TransmitterOptions): TransmitterSettings {
  const perMinute = options.rateLimit?.perMinute ?? DEFAULT_RATE_PER_MINUTE;
  if (!Number.isFinite(perMinute) || perMinute <= 0) {
    throw new TransmitterConfigError('rateLimit.perMinute', 'must be a positive number');
  }
  const pipeline: PipelineConfig = {
    ...DEFAULT_PIPELINE_CONFIG,
    ...options.pipeline,
    retry: { ...DEFAULT_PIPELINE_CONFIG.retry, ...options.pipeline?.retry },
  };
  if (!Number.isInteger(pipeline.concurrency) || pipeline.concurrency < 1) {
    throw new TransmitterConfigError('pipeline.concurrency', 'must be an integer of at least 1');
  }
  return {
    policy:
      options.mediaTypes === undefined
        ? fixedPolicy(compilePolicy(options.policy))
        : policyWithMediaTypes(compilePolicy(options.policy), options.mediaTypes),
    pipeline,
    rateLimit: {
      ratePerMinute: perMinute,
      burst: options.rateLimit?.burst ?? 1,
      reserve: Math.max(1, Math.min(pipeline.concurrency, Math.floor(perMinute / 60))),
    },
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    agentReceipts: options.agentReceipts ?? 'delivered',
  };
}

/** The container, with the real adapters bound and any given ones in their place. */
export function buildContainer(options: TransmitterOptions): Container {
  const container = new Container();
  const adapters = options.adapters ?? {};
  container.load(coreModule(options));
  const settings: LedgerSettings = options.ledger ?? { path: DEFAULT_LEDGER_PATH };
  // Side stores (guest keys, sessions) sit beside the ledger; an injected ledger with no
  // `ledger` settings keeps them in memory.
  const besideLedger = adapters.ledger === undefined || options.ledger !== undefined;
  const postgres = isPostgresLedger(settings);
  if (postgres) {
    container.load(postgresLedgerModule(settings, { bindLedger: adapters.ledger === undefined }));
  } else if (adapters.ledger === undefined) {
    container.load(sqliteLedgerModule(settings));
  }
  const database = (): PostgresDatabase => container.get(POSTGRES_DATABASE);
  if (adapters.transport === undefined && options.webMessaging !== undefined) {
    const sessions = !besideLedger
      ? null
      : postgres
        ? () => new PostgresGuestSessionStore(database())
        : () => new SqliteGuestSessionStore(settings);
    container.load(webMessagingModule(options.webMessaging, sessions));
  } else if (adapters.transport === undefined) {
    if (options.genesys === undefined) {
      throw new TransmitterConfigError(
        'genesys',
        'Genesys settings are required when no transport adapter is given',
      );
    }
    container.load(openMessagingModule(options.genesys));
  }
  container.load(
    privacyModule({
      ...options.privacy,
      // No key file beside a database: its key must come from the settings.
      ledgerPath: postgres ? null : besideLedger ? settings.path : ':memory:',
      openGuestKeys: !besideLedger
        ? () => new InMemoryGuestKeyStore()
        : postgres
          ? () => new PostgresGuestKeyStore(database())
          : () => SqliteGuestKeyStore.open(settings),
      ...(besideLedger && !postgres
        ? { countGuestKeys: () => SqliteGuestKeyStore.countKeys(settings.path) }
        : {}),
    }),
  );
  container.load(transmitterModule(options));
  const overrides: [ServiceIdentifier, unknown][] = [
    [LEDGER, adapters.ledger],
    [WORKER_IDENTITY, adapters.worker],
    [MESSAGING_TRANSPORT, adapters.transport],
    [CLOCK, adapters.clock],
    [LOGGER, adapters.logger],
    [ID_GENERATOR, adapters.ids],
    [RANDOM, adapters.random],
    [PERSONAL_DATA_VAULT, adapters.vault],
    [GUEST_KEY_STORE, adapters.guestKeys],
    [
      GUEST_PSEUDONYMISER,
      // A replaced vault opens no guest key store; clear ids need none either.
      adapters.pseudonymiser ??
        (adapters.vault !== undefined && options.privacy?.pseudonymiseGuestIds !== true
          ? clearGuestIds
          : undefined),
    ],
  ];
  for (const [token, adapter] of overrides) {
    if (adapter === undefined) continue;
    if (container.isBound(token)) container.rebind(token).toConstantValue(adapter);
    else container.bind(token).toConstantValue(adapter);
  }
  return container;
}

/** Builds a transmitter without starting it (call `start()` once its transport is verified). */
export function buildTransmitter(options: TransmitterOptions): Transmitter {
  return buildContainer(options).get(TRANSMITTER);
}

/** Builds a transmitter and starts it: open transmissions from an earlier run resume now. */
export function createTransmitter(options: TransmitterOptions): Transmitter {
  return buildTransmitter(options).start();
}
