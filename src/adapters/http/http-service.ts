import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { AppendRequest, Ledger } from '../../application/ports/index.js';
import type { PipelineConfig } from '../../application/transmission/delivery-pipeline.js';
import { GtxError, hasErrorCode, isGtxError, type RetryPolicyConfig } from '../../domain/index.js';
import type { CliIo } from '../cli/cli-io.js';
import { openRuntime, readSettings, type CliRuntime } from '../cli/cli-runtime.js';
import { packageInfo } from '../cli/package-info.js';
import { ConfigurationError } from '../config/environment-settings.js';
import type { SandboxOptions } from '../../sandbox/index.js';
import { WinstonLogger } from '../logging/winston-logger.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { TimedEventStore, type LedgerAppendListener } from './metrics/timed-event-store.js';
import { ApiKeys } from './api-keys.js';
import { buildHttpApi } from './http-server.js';
import { Readiness, type ReadinessCheck } from './readiness.js';
import { probeSqliteWritable } from '../sqlite/sqlite-write-probe.js';

/**
 * The seam for the analytics feed: once the feed runs inside the service, pass its lag and its
 * state here and `/metrics` exports `gtx_feed_lag_events`, `/readyz` reports a disabled feed.
 */
export interface FeedProbe {
  /** Events between the ledger head and the feed's checkpoint; null while it has no checkpoint. */
  lag(): Promise<number | null>;
  /** Why the feed is disabled (e.g. too many webhook failures), or null when it runs. */
  disabledReason(): string | null;
}

export interface ServiceOptions {
  readonly sandbox: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly ledgerPath?: string;
  readonly sandboxOptions?: SandboxOptions;
  readonly rateLimitPerMinute?: number;
  readonly pipeline?: Partial<Omit<PipelineConfig, 'retry'>> & {
    readonly retry?: Partial<RetryPolicyConfig>;
  };
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

export class ServiceStartError extends GtxError {
  constructor(message: string, cause: unknown) {
    super('SERVICE_START_FAILED', message, { cause });
  }
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

function appendFailureCode(error: unknown): string {
  return isGtxError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
}

/** Starts `gtx serve`: settings, the transmitter (verified and started), metrics, HTTP. */
export async function startService(io: CliIo, options: ServiceOptions): Promise<RunningService> {
  const settings = readSettings(io);
  const host = options.host ?? settings.GTX_HTTP_HOST;
  const port = options.port ?? settings.GTX_HTTP_PORT;
  const apiKeys = ApiKeys.fromSetting(settings.GTX_API_KEYS);
  if (!apiKeys.configured && !isLoopbackHost(host)) {
    throw new ConfigurationError(
      'GTX_API_KEYS',
      `is required to serve on ${host}, which is not a loopback address (set keys, or use --host 127.0.0.1)`,
    );
  }
  const logger = WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr }).child({
    component: 'http',
  });

  let ledger: Ledger | null = null;
  let lastAppendFailure: string | null = null;
  let lastAuthFailure: string | null = null;
  let runtime: CliRuntime | null = null;
  const metrics = new ServiceMetrics({
    pending: async () => (ledger === null ? 0 : (await ledger.work.counts()).open),
    rateLimitWaitMs: () => runtime?.transmitter.rateLimitWaitMs() ?? 0,
    ...(options.feed === undefined
      ? {}
      : { feedLag: () => options.feed?.lag() ?? Promise.resolve(null) }),
  });
  const listener: LedgerAppendListener = {
    appended: (request: AppendRequest, result, seconds) => {
      lastAppendFailure = null;
      metrics.appended(request, result, seconds);
    },
    appendFailed: (request, error, seconds) => {
      // A version conflict is another writer winning a race, not a ledger that cannot write.
      if (!hasErrorCode(error, 'LEDGER_VERSION_CONFLICT')) {
        lastAppendFailure = appendFailureCode(error);
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
    observer: {
      onAttemptFinished: (outcome, request) => {
        metrics.observer.onAttemptFinished?.(outcome, request);
        if (outcome.ok) lastAuthFailure = null;
        else if (outcome.failure.code === 'GENESYS_AUTH_FAILED') {
          lastAuthFailure = 'Genesys refused our client credentials';
        }
      },
    },
    decorateLedger: (inner) => {
      ledger = { ...inner, events: new TimedEventStore(inner.events, listener) };
      return ledger;
    },
  });
  const running = runtime;
  const timedLedger = (ledger as Ledger | null)?.events ?? null;
  if (timedLedger === null) throw new Error('the runtime did not open the ledger');

  const checks: ReadinessCheck[] = [
    {
      name: 'ledger',
      check: async () => {
        if (lastAppendFailure !== null)
          return `the last ledger append failed (${lastAppendFailure})`;
        await timedLedger.head();
        if (running.ledgerPath !== ':memory:') {
          try {
            await access(running.ledgerPath, constants.W_OK);
          } catch {
            return 'the ledger file is not writable';
          }
          // Reads go on while another process holds the lock or the disk refuses writes.
          const writable = probeSqliteWritable(running.ledgerPath);
          if (writable !== null) return writable;
        }
        return null;
      },
    },
    {
      name: 'genesys',
      check: async () => {
        if (lastAuthFailure !== null) return lastAuthFailure;
        if (running.sandbox !== null) {
          try {
            await fetch(running.sandbox.url, { signal: AbortSignal.timeout(2000) });
          } catch {
            return 'the sandbox does not answer';
          }
        }
        // Returns at once while a fresh token is held; otherwise obtains one.
        await running.transmitter.verifyTransport();
        return null;
      },
    },
  ];
  checks.push({
    name: 'pipeline',
    check: () => {
      const fault = running.transmitter.pipelineFault();
      if (fault === null) return Promise.resolve(null);
      const code = isGtxError(fault) ? fault.code : 'UNEXPECTED';
      return Promise.resolve(`the delivery pipeline stopped on a fault (${code})`);
    },
  });
  const feed = options.feed;
  if (feed !== undefined) {
    checks.push({ name: 'feed', check: () => Promise.resolve(feed.disabledReason()) });
  }

  const api = buildHttpApi(
    {
      transmitter: running.transmitter,
      ledger: timedLedger,
      metrics,
      readiness: new Readiness(checks),
      logger,
      apiKeys,
    },
    {
      maxBatch: settings.GTX_MAX_BATCH,
      bodyLimitBytes: settings.GTX_HTTP_BODY_LIMIT_BYTES,
      version: packageInfo().version,
      ratePerMinute: settings.GTX_API_RATE_PER_MINUTE,
    },
  );
  try {
    await api.app.listen({ host, port });
  } catch (error) {
    await running.close();
    throw new ServiceStartError(
      `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const address = api.app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!apiKeys.configured) {
    logger.warn('no API key configured: the service accepts unauthenticated requests on loopback', {
      host,
    });
  }
  logger.info('service listening', { host, port: address.port, sandbox: options.sandbox });

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    await api.close(settings.GTX_SHUTDOWN_TIMEOUT_MS);
    logger.info('http server closed; draining transmissions', {
      timeoutMs: settings.GTX_SHUTDOWN_TIMEOUT_MS,
    });
    await running.close();
    logger.info('service stopped');
  };
  return {
    url: `http://${shownHost}:${address.port}`,
    runtime: running,
    metrics,
    close: () => (closing ??= close()),
  };
}
