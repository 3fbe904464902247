/**
 * The OpenTelemetry trace SDK and its OTLP/HTTP exporter: the one place that starts them. The
 * rest of the code depends on `@opentelemetry/api` only, whose calls are no-ops until this (or
 * an embedding application's own SDK) registers a tracer provider.
 */
import {
  context,
  diag,
  DiagLogLevel,
  propagation,
  trace,
  type DiagLogger,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../../application/ports/index.js';
import { ConfigurationError } from '../config/environment-settings.js';
import { packageInfo } from '../config/package-info.js';

export const DEFAULT_SERVICE_NAME = 'genesys-transmitter';

type Environment = Readonly<Record<string, string | undefined>>;

/** A hold on the process's trace SDK; the last one released flushes and stops it. */
export interface TracingHold {
  /** Exports every span ended so far, then lets go; idempotent. */
  release(): Promise<void>;
}

interface RunningSdk {
  readonly provider: NodeTracerProvider;
  holders: number;
}

/** One SDK per process: the OTel API has one global tracer provider. */
let running: RunningSdk | null = null;

/**
 * Where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else
 * OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces` (the OTLP exporter specification); null when
 * neither is set, or OTEL_SDK_DISABLED=true. A value that is not an http(s) URL is
 * CONFIG_INVALID, named.
 */
export function tracesEndpoint(env: Environment): string | null {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return null;
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces !== undefined && traces !== '') {
    return checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  }
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (base === undefined || base === '') return null;
  const url = checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base);
  return `${url.replace(/\/+$/, '')}/v1/traces`;
}

function checkedUrl(setting: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(setting, 'must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(setting, 'must be an http:// or https:// URL');
  }
  return value;
}

/**
 * Starts the trace SDK when `env` names an OTLP endpoint (see `tracesEndpoint`), and holds it
 * until `release`; null, and nothing started (no exporter, no network), without one. Holds
 * share one SDK: `gtx serve` and its background feed each hold it, and the spans of whichever
 * stops last are flushed too.
 *
 * OTEL_SERVICE_NAME (default genesys-transmitter) comes from `env`; the SDK reads the other
 * standard variables (OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER and _ARG,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*) from the process environment itself. The SDK's own
 * complaints (an export that failed) are logged as warnings.
 */
export function holdTracing(env: Environment, logger: Logger): TracingHold | null {
  const url = tracesEndpoint(env);
  if (url === null) return null;
  running ??= startSdk(url, env, logger);
  const sdk = running;
  sdk.holders += 1;
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      sdk.holders -= 1;
      if (sdk.holders > 0) {
        await sdk.provider.forceFlush();
        return;
      }
      if (running === sdk) running = null;
      await sdk.provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      diag.disable();
    },
  };
}

function startSdk(url: string, env: Environment, logger: Logger): RunningSdk {
  diag.setLogger(diagToLogger(logger.child({ component: 'opentelemetry' })), DiagLogLevel.WARN);
  const serviceName = env['OTEL_SERVICE_NAME']?.trim();
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME,
        [ATTR_SERVICE_VERSION]: packageInfo().version,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      serviceName === undefined || serviceName === ''
        ? null
        : resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    );
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // The W3C trace context propagator, and AsyncLocalStorage so a span's context follows awaits.
  provider.register();
  return { provider, holders: 0 };
}

function diagToLogger(logger: Logger): DiagLogger {
  const warn = (message: string): void => {
    logger.warn('opentelemetry sdk', { detail: message });
  };
  const ignore = (): void => undefined;
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}
