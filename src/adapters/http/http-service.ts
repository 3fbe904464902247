/**
 * The HTTP service around parts it is given: the transmitter, the event store it reads, the
 * metrics, the readiness checks. It builds none of them; src/composition/service.ts does.
 */
import type { AddressInfo } from 'node:net';
import type { EventStore, Logger } from '../../application/ports/index.js';
import type { Transmitter } from '../../application/transmitter.js';
import { GtxError } from '../../domain/index.js';
import { ConfigurationError, type EnvironmentSettings } from '../config/environment-settings.js';
import { ApiKeys } from './api-keys.js';
import { buildHttpApi } from './http-server.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { Readiness, type ReadinessCheck } from './readiness.js';

/**
 * The seam for the analytics feed: once the feed runs inside the service, pass its lag and its
 * state here and `/metrics` exports `gtx_feed_lag_events`, `/readyz` reports a disabled feed.
 */
export interface FeedProbe {
  /** Events between the ledger head and the feed's checkpoint; null while it has no checkpoint. */
  lag(): Promise<number | null>;
  /** Why the feed is disabled (e.g. too many webhook failures), or null when it runs. */
  disabledReason(): string | null;
  /** Whether this worker runs the feed now (with several workers, only the leader does). */
  leading(): boolean;
}

/** Where and how the service listens. */
export interface HttpServiceSettings {
  readonly settings: EnvironmentSettings;
  readonly host: string;
  readonly port: number;
  /** The package version, shown in the OpenAPI document. */
  readonly version: string;
  /** Only logged: whether the transmitter talks to an in-process sandbox. */
  readonly sandbox: boolean;
}

export interface HttpServiceParts {
  readonly transmitter: Transmitter;
  /** The event store the routes read (and the metrics see every append of). */
  readonly events: EventStore;
  readonly metrics: ServiceMetrics;
  readonly checks: readonly ReadinessCheck[];
  /** The service's logger (`component: http`). */
  readonly logger: Logger;
  readonly apiKeys: ApiKeys;
  /** Drains and closes what the service runs on (the transmitter, a sandbox), once HTTP is closed. */
  stopRuntime(): Promise<void>;
}

export interface HttpService {
  /** http://HOST:PORT */
  readonly url: string;
  /**
   * Graceful stop: new requests get 503, in-flight requests finish, in-flight transmissions get
   * GTX_SHUTDOWN_TIMEOUT_MS to answer, then the runtime is stopped. Idempotent.
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

/**
 * The API keys from GTX_API_KEYS: every route but the probes and the API description needs one.
 * Without keys the service starts only when asked to (`noAuth`, `gtx serve --no-auth`), and
 * only on a loopback address. Checked before anything is started.
 */
export function serviceApiKeys(
  settings: EnvironmentSettings,
  host: string,
  options: { readonly noAuth?: boolean } = {},
): ApiKeys {
  const apiKeys = ApiKeys.fromSetting(settings.GTX_API_KEYS);
  if (options.noAuth === true) {
    if (apiKeys.configured) {
      throw new ConfigurationError(
        'GTX_API_KEYS',
        'is set while --no-auth asks for none: unset one of them',
      );
    }
    if (!isLoopbackHost(host)) {
      throw new ConfigurationError(
        'GTX_API_KEYS',
        `is required to serve on ${host}, which is not a loopback address: --no-auth is for 127.0.0.1, ::1 or localhost only`,
      );
    }
    return apiKeys;
  }
  if (!apiKeys.configured) {
    throw new ConfigurationError(
      'GTX_API_KEYS',
      isLoopbackHost(host)
        ? 'is required: every route but the probes needs an API key (set GTX_API_KEYS="$(openssl rand -hex 24)", or pass --no-auth to serve loopback without keys)'
        : `is required to serve on ${host}, which is not a loopback address (set keys, or use --host 127.0.0.1 --no-auth)`,
    );
  }
  return apiKeys;
}

/** Listens on host:port; when it cannot, the runtime is stopped and SERVICE_START_FAILED thrown. */
export async function listenHttpService(
  parts: HttpServiceParts,
  options: HttpServiceSettings,
): Promise<HttpService> {
  const { settings, host, port } = options;
  const { logger, apiKeys } = parts;
  const api = buildHttpApi(
    {
      transmitter: parts.transmitter,
      ledger: parts.events,
      metrics: parts.metrics,
      readiness: new Readiness(parts.checks),
      logger,
      apiKeys,
    },
    {
      maxBatch: settings.GTX_MAX_BATCH,
      bodyLimitBytes: settings.GTX_HTTP_BODY_LIMIT_BYTES,
      version: options.version,
      ratePerMinute: settings.GTX_API_RATE_PER_MINUTE,
      transcriptReveal: settings.GTX_TRANSCRIPT_REVEAL === 'allow',
      outboundWebhook:
        settings.GENESYS_OUTBOUND_WEBHOOK_SECRET === undefined
          ? null
          : {
              path: settings.GTX_OUTBOUND_WEBHOOK_PATH,
              secret: settings.GENESYS_OUTBOUND_WEBHOOK_SECRET,
              bodyLimitBytes: settings.GTX_OUTBOUND_WEBHOOK_BODY_LIMIT_BYTES,
            },
    },
  );
  try {
    await api.app.listen({ host, port });
  } catch (error) {
    await parts.stopRuntime();
    throw new ServiceStartError(
      `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const address = api.app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!apiKeys.configured) {
    logger.warn('--no-auth: the service accepts unauthenticated requests on loopback', {
      host,
    });
  }
  logger.info('service listening', {
    host,
    port: address.port,
    sandbox: options.sandbox,
    outboundWebhook:
      settings.GENESYS_OUTBOUND_WEBHOOK_SECRET === undefined
        ? null
        : settings.GTX_OUTBOUND_WEBHOOK_PATH,
  });

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    await api.close(settings.GTX_SHUTDOWN_TIMEOUT_MS);
    logger.info('http server closed; draining transmissions', {
      timeoutMs: settings.GTX_SHUTDOWN_TIMEOUT_MS,
    });
    await parts.stopRuntime();
    logger.info('service stopped');
  };
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => (closing ??= close()),
  };
}
