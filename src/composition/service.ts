/**
 * `gtx serve` wired: settings, the transmitter (verified and started) on a ledger whose event
 * store is timed for the metrics, the readiness checks, and the HTTP service around them.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings, type CliRuntime } from '../adapters/cli/cli-runtime.js';
import { packageInfo } from '../adapters/config/package-info.js';
import type { SandboxOptions } from '../sandbox/index.js';
import {
  listenHttpService,
  serviceApiKeys,
  type FeedProbe,
} from '../adapters/http/http-service.js';
import { ServiceMetrics } from '../adapters/http/metrics/service-metrics.js';
import {
  TimedEventStore,
  type LedgerAppendListener,
} from '../adapters/http/metrics/timed-event-store.js';
import type { ReadinessCheck } from '../adapters/http/readiness.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import { probeSqliteWritable } from '../adapters/sqlite/sqlite-write-probe.js';
import type { AppendRequest, EventStore, Ledger } from '../application/ports/index.js';
import { hasErrorCode, isGtxError } from '../domain/index.js';
import { openRuntime, type RuntimeOptions } from './runtime.js';

export interface ServiceOptions {
  readonly sandbox: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly ledgerPath?: string;
  /** Serve without API keys (loopback only): `gtx serve --no-auth`. */
  readonly noAuth?: boolean;
  readonly sandboxOptions?: SandboxOptions;
  readonly rateLimitPerMinute?: number;
  readonly pipeline?: RuntimeOptions['pipeline'];
  readonly feed?: FeedProbe;
}

export interface RunningService {
  /** http://HOST:PORT */
  readonly url: string;
  readonly runtime: CliRuntime;
  readonly metrics: ServiceMetrics;
  /**
   * Graceful stop: new requests get 503, in-flight requests finish, in-flight transmissions get
   * GTX_SHUTDOWN_TIMEOUT_MS to answer, then the ledger is closed. Idempotent.
   */
  close(): Promise<void>;
}

/** What the readiness checks watch, as the transmitter's answers and the ledger report it. */
interface Health {
  lastAppendFailure: string | null;
  lastAuthFailure: string | null;
}

function appendFailureCode(error: unknown): string {
  return isGtxError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
}

function readinessChecks(
  runtime: CliRuntime,
  events: EventStore,
  health: Health,
  feed: FeedProbe | undefined,
): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: 'ledger',
      check: async () => {
        if (health.lastAppendFailure !== null)
          return `the last ledger append failed (${health.lastAppendFailure})`;
        // A database that is down or refuses this role rejects here, with its coded reason.
        await events.head();
        const location = runtime.ledgerLocation;
        if (location.kind === 'sqlite' && location.path !== ':memory:') {
          try {
            await access(location.path, constants.W_OK);
          } catch {
            return 'the ledger file is not writable';
          }
          // Reads go on while another process holds the lock or the disk refuses writes.
          const writable = probeSqliteWritable(location.path);
          if (writable !== null) return writable;
        }
        return null;
      },
    },
    {
      name: 'genesys',
      check: async () => {
        if (health.lastAuthFailure !== null) return health.lastAuthFailure;
        if (runtime.sandbox !== null) {
          try {
            await fetch(runtime.sandbox.url, { signal: AbortSignal.timeout(2000) });
          } catch {
            return 'the sandbox does not answer';
          }
        }
        // Returns at once while a fresh token is held; otherwise obtains one.
        await runtime.transmitter.verifyTransport();
        return null;
      },
    },
    {
      name: 'pipeline',
      check: () => {
        const fault = runtime.transmitter.pipelineFault();
        if (fault === null) return Promise.resolve(null);
        const code = isGtxError(fault) ? fault.code : 'UNEXPECTED';
        return Promise.resolve(`the delivery pipeline stopped on a fault (${code})`);
      },
    },
  ];
  if (feed !== undefined) {
    checks.push({ name: 'feed', check: () => Promise.resolve(feed.disabledReason()) });
  }
  return checks;
}

/** Starts `gtx serve`: settings, the transmitter (verified and started), metrics, HTTP. */
export async function startService(io: CliIo, options: ServiceOptions): Promise<RunningService> {
  const settings = readSettings(io);
  const host = options.host ?? settings.GTX_HTTP_HOST;
  const port = options.port ?? settings.GTX_HTTP_PORT;
  const apiKeys = serviceApiKeys(settings, host, { noAuth: options.noAuth === true });
  const logger = WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr }).child({
    component: 'http',
  });

  let ledger: Ledger | null = null;
  let runtime: CliRuntime | null = null;
  const health: Health = { lastAppendFailure: null, lastAuthFailure: null };
  const metrics = new ServiceMetrics({
    pending: async () => (ledger === null ? 0 : await ledger.work.countOpen()),
    rateLimitWaitMs: () => runtime?.transmitter.rateLimitWaitMs() ?? 0,
    ...(options.feed === undefined
      ? {}
      : {
          feedLag: () => options.feed?.lag() ?? Promise.resolve(null),
          feedLeading: () => options.feed?.leading() ?? false,
        }),
  });
  const listener: LedgerAppendListener = {
    appended: (request: AppendRequest, result, seconds) => {
      health.lastAppendFailure = null;
      metrics.appended(request, result, seconds);
    },
    appendFailed: (request, error, seconds) => {
      // A version conflict is another writer winning a race, not a ledger that cannot write.
      if (!hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) {
        health.lastAppendFailure = appendFailureCode(error);
      }
      metrics.appendFailed(request, error, seconds);
    },
  };

  runtime = await openRuntime(io, {
    sandbox: options.sandbox,
    ...(options.ledgerPath === undefined ? {} : { ledgerPath: options.ledgerPath }),
    ...(options.sandboxOptions === undefined ? {} : { sandboxOptions: options.sandboxOptions }),
    ...(options.rateLimitPerMinute === undefined
      ? {}
      : { rateLimitPerMinute: options.rateLimitPerMinute }),
    ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
    closeTimeoutMs: settings.GTX_SHUTDOWN_TIMEOUT_MS,
    mediaPolicyObserver: {
      onRefreshed: (outcome) => {
        metrics.mediaPolicyRefreshed(outcome);
      },
    },
    observer: {
      onAttemptFinished: (outcome, request) => {
        metrics.observer.onAttemptFinished?.(outcome, request);
        if (outcome.ok) health.lastAuthFailure = null;
        else if (outcome.failure.code === 'GENESYS_AUTH_FAILED') {
          health.lastAuthFailure = 'Genesys refused our client credentials';
        }
      },
    },
    decorateLedger: (inner) => {
      ledger = { ...inner, events: new TimedEventStore(inner.events, listener) };
      return ledger;
    },
  });
  const running = runtime;
  metrics.identify(running.transmitter.workerId);
  const timedEvents = (ledger as Ledger | null)?.events ?? null;
  if (timedEvents === null) throw new Error('the runtime did not open the ledger');

  const http = await listenHttpService(
    {
      transmitter: running.transmitter,
      events: timedEvents,
      metrics,
      checks: readinessChecks(running, timedEvents, health, options.feed),
      logger,
      apiKeys,
      stopRuntime: () => running.close(),
    },
    { settings, host, port, version: packageInfo().version, sandbox: options.sandbox },
  );
  return { url: http.url, runtime: running, metrics, close: () => http.close() };
}
