import type { Container } from 'inversify';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { VirtualClock } from '../adapters/clock/virtual-clock.js';
import type { OpenMessagingOptions } from '../adapters/genesys/open-messaging/open-messaging-options.js';
import type { OpenMessagingTransport } from '../adapters/genesys/open-messaging/open-messaging-transport.js';
import { SeededRandom } from '../adapters/ids/random.js';
import { SequentialIdGenerator } from '../adapters/ids/uuid-id-generator.js';
import {
  createInMemoryLedger,
  type InMemoryLedger,
} from '../adapters/memory/in-memory-work-queue.js';
import { InMemoryLogger } from '../adapters/memory/in-memory-logger.js';
import { ScriptedTransport } from '../adapters/memory/scripted-transport.js';
import {
  CLOCK,
  LEDGER,
  LOGGER,
  MESSAGING_TRANSPORT,
  type Clock,
  type Ledger,
  type IdGenerator,
  type Logger,
  type MessagingTransport,
  type Random,
} from '../application/ports/index.js';
import type { Transmitter } from '../application/transmitter.js';
import { buildContainer, TRANSMITTER, type TransmitterOptions } from '../main.js';

/** What every test transmitter accepts: the transmitter's own settings and the twins to use. */
export interface TestTransmitterBaseOptions<
  TLedger extends Ledger,
  TLogger extends Logger,
> extends Pick<
  TransmitterOptions,
  | 'policy'
  | 'mediaTypes'
  | 'pipeline'
  | 'rateLimit'
  | 'closeTimeoutMs'
  | 'observer'
  | 'agentReceipts'
> {
  /** Default: an `InMemoryLedger` on the test's clock. */
  readonly ledger?: TLedger;
  /** Default: an `InMemoryLogger`, whose `records` a test can read. */
  readonly logger?: TLogger;
  /** Default: `SequentialIdGenerator('cmd')`: cmd-1, cmd-2, … */
  readonly ids?: IdGenerator;
  /** Retry jitter. Default: `SeededRandom(1)`, so backoff is the same on every run. */
  readonly random?: Random;
  /** Start the pipeline at once (default true); false builds it stopped, like `buildTransmitter`. */
  readonly start?: boolean;
}

export interface TestTransmitterOptions<
  TTransport extends MessagingTransport,
  TLedger extends Ledger,
  TClock extends Clock,
  TLogger extends Logger,
> extends TestTransmitterBaseOptions<TLedger, TLogger> {
  /** Default: a `ScriptedTransport` on the test's clock that delivers every call. */
  readonly transport?: TTransport;
  /** Default: a `VirtualClock`: time moves only when the test moves it. */
  readonly clock?: TClock;
  readonly genesys?: never;
}

export interface GenesysTestTransmitterOptions<
  TLedger extends Ledger,
  TClock extends Clock,
  TLogger extends Logger,
> extends TestTransmitterBaseOptions<TLedger, TLogger> {
  /** Send through the real Open Messaging SDK transport, e.g. to `sandbox.genesys`. */
  readonly genesys: OpenMessagingOptions;
  /** Default: the system clock, since the far side answers in real time. */
  readonly clock?: TClock;
  readonly transport?: never;
}

/** A started transmitter and the twins it runs on. */
export interface TestTransmitter<
  TTransport extends MessagingTransport,
  TLedger extends Ledger,
  TClock extends Clock,
  TLogger extends Logger,
> extends AsyncDisposable {
  readonly transmitter: Transmitter;
  readonly transport: TTransport;
  readonly ledger: TLedger;
  readonly clock: TClock;
  readonly logger: TLogger;
  /** The inversify container it was built from, for tests that want to look further. */
  readonly container: Container;
  /**
   * Resolves or rejects as `promise` does. On a `VirtualClock` it moves virtual time until the
   * promise settles (rejecting with `VIRTUAL_TIME_EXHAUSTED` after `maxMs`); on any other
   * clock it just waits.
   */
  runUntilSettled<T>(promise: Promise<T>, maxMs?: number): Promise<T>;
  /** Closes the transmitter (which closes its transport and ledger), in virtual time if need be. */
  close(): Promise<void>;
}

/**
 * Builds and starts a transmitter with test twins bound in place of the real adapters: by
 * default an in-memory ledger, a scripted transport and a virtual clock. Give any of them (or
 * `genesys` settings, to send through the real SDK) to use yours instead.
 */
export function createTestTransmitter<
  TLedger extends Ledger = InMemoryLedger,
  TClock extends Clock = SystemClock,
  TLogger extends Logger = InMemoryLogger,
>(
  options: GenesysTestTransmitterOptions<TLedger, TClock, TLogger>,
): TestTransmitter<OpenMessagingTransport, TLedger, TClock, TLogger>;
export function createTestTransmitter<
  TTransport extends MessagingTransport = ScriptedTransport,
  TLedger extends Ledger = InMemoryLedger,
  TClock extends Clock = VirtualClock,
  TLogger extends Logger = InMemoryLogger,
>(
  options?: TestTransmitterOptions<TTransport, TLedger, TClock, TLogger>,
): TestTransmitter<TTransport, TLedger, TClock, TLogger>;
export function createTestTransmitter(
  options:
    | TestTransmitterOptions<MessagingTransport, Ledger, Clock, Logger>
    | GenesysTestTransmitterOptions<Ledger, Clock, Logger> = {},
): TestTransmitter<MessagingTransport, Ledger, Clock, Logger> {
  const genesys = options.genesys;
  const clock = options.clock ?? (genesys === undefined ? new VirtualClock() : new SystemClock());
  const ledger = options.ledger ?? createInMemoryLedger(clock);
  const logger = options.logger ?? new InMemoryLogger();
  const transport =
    genesys === undefined ? (options.transport ?? new ScriptedTransport({ clock })) : undefined;
  const container = buildContainer({
    ...pickDefined({
      policy: options.policy,
      mediaTypes: options.mediaTypes,
      pipeline: options.pipeline,
      rateLimit: options.rateLimit,
      closeTimeoutMs: options.closeTimeoutMs,
      observer: options.observer,
      agentReceipts: options.agentReceipts,
      genesys,
    }),
    logLevel: 'silent',
    adapters: {
      ledger,
      clock,
      logger,
      ids: options.ids ?? new SequentialIdGenerator('cmd'),
      random: options.random ?? new SeededRandom(1),
      ...(transport === undefined ? {} : { transport }),
    },
  });
  const transmitter = container.get(TRANSMITTER);
  if (options.start !== false) transmitter.start();

  const virtual = isVirtualClock(clock) ? clock : null;
  const runUntilSettled = <T>(promise: Promise<T>, maxMs?: number): Promise<T> =>
    virtual === null ? promise : virtual.runUntilSettled(promise, maxMs);
  const close = (): Promise<void> => runUntilSettled(transmitter.close());

  return {
    transmitter,
    transport: container.get(MESSAGING_TRANSPORT),
    ledger: container.get(LEDGER),
    clock: container.get(CLOCK),
    logger: container.get(LOGGER),
    container,
    runUntilSettled,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Structural, so a clock from another copy of the package counts too. */
function isVirtualClock(clock: Clock): clock is VirtualClock {
  return typeof (clock as Partial<VirtualClock>).runUntilSettled === 'function';
}

/** The given settings without the absent ones (exactOptionalPropertyTypes). */
function pickDefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
