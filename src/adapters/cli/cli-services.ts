/**
 * Everything the CLI's commands need from outside the CLI, declared here and built by the
 * composition root (src/composition/cli-services.ts): commands name what they want, they never
 * open a store, a sink or a service themselves. Tests pass the real services, or their own.
 */
import type { RowViewer } from '../../application/audit/ledger-export.js';
import type { IntakeSummary } from '../../application/intake/command-intake.js';
import type { Transmitter } from '../../application/transmitter.js';
import type {
  LedgerCopyProgress,
  LedgerCopySummary,
} from '../../application/ledger/ledger-copy.js';
import type {
  AnalyticsSink,
  Clock,
  FeedCheckpointStore,
  GuestKeyStore,
  GuestSessionEraser,
  IntegrationDirectory,
  Ledger,
  Logger,
  Random,
} from '../../application/ports/index.js';
import type { PersonalDataVault } from '../../application/ports/personal-data-vault.port.js';
import type { GuestPseudonymiser } from '../../application/ports/guest-pseudonymiser.port.js';
import type { MasterKeyRotationReport } from '../../application/privacy/master-key-rotation.js';
import type { EnvironmentSettings } from '../config/environment-settings.js';
import type { CliIo } from './cli-io.js';
import type { CliRuntime, RuntimeOptions } from './cli-runtime.js';

export interface OpenLedgerOptions {
  /** Open without writing anything (an auditor may hold only a read-only copy). */
  readonly readOnly?: boolean;
}

/** The guest keys of a ledger file, and whether the last forget could empty the WAL. */
export interface ForgettingGuestKeyStore extends GuestKeyStore {
  forgetDiagnostics(): { readonly walCheckpointed: boolean };
}

export interface OpenedPersonalDataViewer {
  /** A `RowViewer` for `gtx audit export`: decrypted content, or `{erased: true}`. */
  readonly viewer: RowViewer;
  /** The same decryption for readers that open events themselves (`gtx transcript --reveal`). */
  readonly vault: PersonalDataVault;
  close(): Promise<void>;
}

/** How a ledger names guests and conversations, for a lookup by the value the user typed. */
export interface OpenedGuestLookup {
  readonly pseudonymiser: GuestPseudonymiser;
  close(): Promise<void>;
}

/** A loopback receiver of signed agent replies (`gtx demo`), recording into a transmitter. */
export interface RunningAgentWebhook {
  /** The full URL to post to, path included. */
  readonly url: string;
  /** The signature secret made for this run: give it to the sandbox, never print it. */
  readonly secret: string;
  close(): Promise<void>;
}

/** Where `gtx consume` (or `gtx serve --consume`) takes commands from. */
export interface ConsumeOptions {
  readonly from: string;
  readonly stream?: string;
  readonly consumer?: string;
  readonly subject?: string;
  readonly queue?: string;
  readonly prefetch?: number;
  readonly ackWaitMs?: number;
  readonly publishOutcomesTo?: string;
}

/** A running broker intake. */
export interface CliIntake {
  /** The broker, stream or queue, without credentials. */
  readonly description: string;
  /** Rejects with a coded error when the source fails while running (its queue was deleted). */
  readonly finished: Promise<void>;
  /** Drains: no new messages, those in flight answered, then the broker connections close. */
  stop(): Promise<IntakeSummary>;
}

/** A broker intake whose options were checked, not yet connected. */
export interface PreparedCliIntake {
  readonly description: string;
  /**
   * Connects and starts feeding `transmitter`; rejects with BROKER_UNREACHABLE,
   * BROKER_AUTH_FAILED or BROKER_NOT_FOUND.
   */
  start(transmitter: Transmitter): Promise<CliIntake>;
}

export interface ServeOptions {
  readonly sandbox: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly ledgerPath: string;
  /** No API keys: only allowed on a loopback host. */
  readonly noAuth?: boolean;
  /** Consume commands from a broker beside the HTTP intake. */
  readonly consume?: ConsumeOptions;
}

/** `gtx serve` while it runs: the HTTP service and, when configured, the analytics feed. */
export interface CliService {
  /** http://HOST:PORT */
  readonly url: string;
  /** Whether the analytics feed runs beside the service (ANALYTICS_WEBHOOK_URL is set). */
  readonly feedRunning: boolean;
  /** Graceful stop of the HTTP service and its transmitter; idempotent. */
  close(): Promise<void>;
  /** Stops the analytics feed after its current batch (nothing when it does not run). */
  stopFeed(): Promise<void>;
  /** The broker intake beside the service (`--consume`); `close()` drains it first. */
  readonly intake: CliIntake | null;
}

/** `gtx ledger copy`: both ledgers as the user named them (paths relative to `cwd`, or URLs). */
export interface LedgerCopyCommand {
  readonly from: string;
  readonly to: string;
  readonly cwd: string;
  readonly resume?: boolean;
  readonly pageSize?: number;
  readonly onProgress?: (progress: LedgerCopyProgress) => void;
}

/** A ledger's engine, schema version and whether a write could start (`gtx doctor`). */
export interface LedgerInspection {
  readonly engine: 'sqlite' | 'postgres';
  readonly schemaVersion: number;
  /** The schema version this program writes. */
  readonly latestSchemaVersion: number;
  /** Why a write could not start; null when it could. */
  readonly writeProblem: string | null;
}

export interface CliServices {
  /** The system clock. */
  readonly clock: Clock;
  readonly random: Random;
  /** Structured logs on the run's standard error, at GTX_LOG_LEVEL. */
  logger(io: CliIo): Logger;
  /**
   * A started transmitter built from settings (transport, optional in-process sandbox, ledger,
   * master key) whose credentials were checked (GENESYS_AUTH_FAILED otherwise, exit code 4).
   */
  openRuntime(io: CliIo, options: RuntimeOptions): Promise<CliRuntime>;
  /** The SQLite ledger at `path` (resolved by the caller). */
  openLedger(path: string, options?: OpenLedgerOptions): Ledger;
  /** The feed and replay checkpoints kept in the ledger file. */
  openCheckpoints(ledgerPath: string): FeedCheckpointStore;
  /** The sink `--to` names, or ANALYTICS_WEBHOOK_URL; the secret always comes from settings. */
  openSink(io: CliIo, to: string | undefined): AnalyticsSink;
  /**
   * Keeps the OpenTelemetry SDK running (when OTEL_EXPORTER_OTLP_ENDPOINT is set) until
   * `release`, which flushes the spans: for commands that run no transmitter (`gtx feed run`,
   * `gtx replay`). A no-op hold when tracing is off.
   */
  holdTracing(io: CliIo): { release(): Promise<void> };
  /** The guest data keys kept in the ledger file. */
  openGuestKeys(ledgerPath: string): ForgettingGuestKeyStore;
  /** The guest session tokens kept beside the ledger, found through GENESYS_DEPLOYMENT_ID. */
  openGuestSessionEraser(io: CliIo, ledgerPath: string): GuestSessionEraser;
  /**
   * Re-wraps every guest key of the ledger from the master key in use (GTX_MASTER_KEY, …) to
   * the one in `newKeyFile`; rerunning finishes a rotation that stopped.
   */
  rotateMasterKey(
    io: CliIo,
    ledgerPath: string,
    newKeyFile: string,
  ): Promise<MasterKeyRotationReport>;
  /** Decrypts the ledger's personal content; the master key is read, never created. */
  openPersonalDataViewer(io: CliIo, ledgerPath: string): OpenedPersonalDataViewer;
  /**
   * The ledger's names for a guest id or conversation ref typed by the user (`--guest`): the
   * value, or its keyed hash on a pseudonymised ledger (whose master key is read, never made).
   */
  openGuestLookup(io: CliIo, ledgerPath: string): OpenedGuestLookup;
  /** Engine, schema version and writability of the ledger at `target` (an existing one). */
  inspectLedger(target: string): Promise<LedgerInspection>;
  /**
   * Reads the Open Messaging integration and its Supported Content profile with the settings'
   * client (GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_API_URL or the region).
   */
  openIntegrationDirectory(io: CliIo, settings: EnvironmentSettings): IntegrationDirectory;
  /** Copies one ledger (file or PostgreSQL) into an empty one, keeping positions and hashes. */
  copyLedger(command: LedgerCopyCommand): Promise<LedgerCopySummary>;
  /** `gtx serve`: the HTTP service on a verified transmitter, and the analytics feed. */
  startService(io: CliIo, options: ServeOptions): Promise<CliService>;
  /** `gtx demo`: the outbound webhook route on a loopback port, recording into `transmitter`. */
  startAgentWebhook(
    io: CliIo,
    transmitter: Transmitter,
    logger: Logger,
  ): Promise<RunningAgentWebhook>;
  /** `gtx consume`: checks the intake's options (INTAKE_OPTIONS_INVALID) without connecting. */
  prepareIntake(io: CliIo, options: ConsumeOptions): PreparedCliIntake;
}
