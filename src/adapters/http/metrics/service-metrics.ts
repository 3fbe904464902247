import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
} from 'prom-client';
import type { AppendRequest, TransportOutcome } from '../../../application/ports/index.js';
import type { PipelineObserver } from '../../../application/transmission/delivery-pipeline.js';
import type { LedgerAppendListener } from './timed-event-store.js';

/** Where gauges read their current value when Prometheus scrapes. */
export interface MetricSources {
  /** Transmissions not final yet, from the ledger's projection. */
  pending(): Promise<number>;
  /** Total milliseconds attempts have waited for the token bucket (Transmitter.rateLimitWaitMs). */
  rateLimitWaitMs(): number;
  /**
   * Events the analytics feed is behind the ledger head; null while no feed runs. The seam for
   * the feed: until it is wired, `gtx_feed_lag_events` is not exported.
   */
  feedLag?: () => Promise<number | null>;
  /** Whether this worker runs the analytics feed now (`gtx_feed_leader`). */
  feedLeading?: () => boolean;
}

export interface ServiceMetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, handles); default true. */
  readonly collectProcessMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function readNumber(data: unknown, key: string): number | null {
  if (typeof data !== 'object' || data === null) return null;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : null;
}

function readString(data: unknown, key: string): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

/** The answer of one transport call as a bounded label: ok, 429, 4xx, 5xx or network. */
function answerClass(outcome: TransportOutcome): string {
  if (outcome.ok) return 'ok';
  const status = outcome.failure.status;
  if (status === null) return 'network';
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return 'other';
}

/**
 * The service's Prometheus metrics on their own registry. Command, attempt, failure and latency
 * figures are counted from what the ledger appended (through TimedEventStore), so they agree
 * with the ledger by construction; transport answers come from the PipelineObserver.
 */
export class ServiceMetrics implements LedgerAppendListener {
  readonly registry = new Registry();
  private readonly commands: Counter<'outcome'>;
  private readonly duplicates: Counter;
  private readonly attempts: Counter;
  private readonly failures: Counter<'kind'>;
  private readonly deadLetters: Counter<'reason'>;
  private readonly redrives: Counter<'previous_reason'>;
  private readonly latency: Histogram;
  private readonly appendSeconds: Histogram<'result'>;
  private readonly transportAnswers: Counter<'result'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpSeconds: Histogram<'method' | 'route'>;
  private readonly workerInfo: Gauge<'worker'>;
  private readonly mediaPolicyRefreshes: Counter<'outcome'>;

  /** Names the worker whose counters these are, once its transmitter exists. */
  identify(worker: string): void {
    this.workerInfo.reset();
    this.workerInfo.set({ worker }, 1);
  }

  constructor(sources: MetricSources, options: ServiceMetricsOptions = {}) {
    const registers = [this.registry];
    const counter = <L extends string>(config: CounterConfiguration<L>): Counter<L> =>
      new Counter<L>({ ...config, registers });
    this.commands = counter({
      name: 'gtx_commands_total',
      help: 'Commands recorded in the ledger by outcome: accepted (requested), rejected, delivered, dead_lettered',
      labelNames: ['outcome'],
    });
    for (const outcome of ['accepted', 'rejected', 'delivered', 'dead_lettered']) {
      this.commands.inc({ outcome }, 0);
    }
    this.duplicates = counter({
      name: 'gtx_duplicate_commands_total',
      help: 'Commands whose id was already in the ledger: nothing was recorded or sent again',
    });
    this.attempts = counter({ name: 'gtx_attempts_total', help: 'Delivery attempts started' });
    this.failures = counter({
      name: 'gtx_attempt_failures_total',
      help: 'Failed delivery attempts by failure kind',
      labelNames: ['kind'],
    });
    this.deadLetters = counter({
      name: 'gtx_dead_letters_total',
      help: 'Transmissions dead-lettered, by reason',
      labelNames: ['reason'],
    });
    this.redrives = counter({
      name: 'gtx_redrives_total',
      help: 'Dead letters re-driven for new attempts, by the reason of the dead letter',
      labelNames: ['previous_reason'],
    });
    this.latency = new Histogram({
      name: 'gtx_delivery_latency_seconds',
      help: 'From the first attempt to the delivery, waits and retries included',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.appendSeconds = new Histogram<'result'>({
      name: 'gtx_ledger_append_seconds',
      help: 'Time one ledger append took (group commit included), by result',
      labelNames: ['result'],
      buckets: APPEND_BUCKETS,
      registers,
    });
    this.transportAnswers = counter({
      name: 'gtx_genesys_answers_total',
      help: 'Answers of Genesys to delivery attempts: ok, 429, 4xx, 5xx or network',
      labelNames: ['result'],
    });
    this.httpRequests = counter({
      name: 'gtx_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'],
    });
    this.httpSeconds = new Histogram<'method' | 'route'>({
      name: 'gtx_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.mediaPolicyRefreshes = counter({
      name: 'gtx_media_policy_refreshes_total',
      help: 'Reads of the integration Supported Content profile (GTX_MEDIA_POLICY=from-integration) by outcome: updated, unchanged, failed (the last profile is kept)',
      labelNames: ['outcome'],
    });
    for (const outcome of ['updated', 'unchanged', 'failed']) {
      this.mediaPolicyRefreshes.inc({ outcome }, 0);
    }
    this.workerInfo = new Gauge<'worker'>({
      name: 'gtx_worker_info',
      help: 'Always 1, labelled with the worker id this process records in the ledger (event metadata "worker")',
      labelNames: ['worker'],
      registers,
    });
    new Gauge({
      name: 'gtx_pending_transmissions',
      help: 'Transmissions in the ledger that are not final yet',
      registers,
      async collect() {
        this.set(await sources.pending());
      },
    });
    new Counter({
      name: 'gtx_rate_limit_wait_seconds_total',
      help: 'Total time delivery attempts waited for the token bucket',
      registers,
      collect() {
        this.reset();
        this.inc(sources.rateLimitWaitMs() / 1000);
      },
    });
    const feedLag = sources.feedLag;
    if (feedLag !== undefined) {
      new Gauge({
        name: 'gtx_feed_lag_events',
        help: 'Events between the ledger head and the analytics feed checkpoint',
        registers,
        async collect() {
          const lag = await feedLag();
          if (lag === null) this.reset();
          else this.set(lag);
        },
      });
    }
    const feedLeading = sources.feedLeading;
    if (feedLeading !== undefined) {
      new Gauge({
        name: 'gtx_feed_leader',
        help: 'Whether this worker runs the analytics feed now: 1 in exactly one worker of a shared ledger',
        registers,
        collect() {
          this.set(feedLeading() ? 1 : 0);
        },
      });
    }
    if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A refresh of the integration's media policy and how it went. */
  mediaPolicyRefreshed(outcome: 'updated' | 'unchanged' | 'failed'): void {
    this.mediaPolicyRefreshes.inc({ outcome });
  }

  appended(request: AppendRequest, _result: unknown, seconds: number): void {
    this.appendSeconds.observe({ result: 'ok' }, seconds);
    for (const event of request.events) {
      switch (event.type) {
        case 'TransmissionRequested':
          this.commands.inc({ outcome: 'accepted' });
          break;
        case 'TransmissionRejected':
          this.commands.inc({ outcome: 'rejected' });
          break;
        case 'TransmissionAttemptStarted':
          this.attempts.inc();
          break;
        case 'TransmissionAttemptFailed':
          this.failures.inc({ kind: readString(event.data, 'failureKind') ?? 'unknown' });
          break;
        case 'TransmissionDelivered': {
          this.commands.inc({ outcome: 'delivered' });
          const latencyMs = readNumber(event.data, 'latencyMs');
          if (latencyMs !== null) this.latency.observe(latencyMs / 1000);
          break;
        }
        case 'TransmissionDeadLettered':
          this.commands.inc({ outcome: 'dead_lettered' });
          this.deadLetters.inc({ reason: readString(event.data, 'reason') ?? 'unknown' });
          break;
        case 'TransmissionRedriven':
          this.redrives.inc({
            previous_reason: readString(event.data, 'previousReason') ?? 'unknown',
          });
          break;
        default:
          break;
      }
    }
  }

  appendFailed(_request: AppendRequest, _error: unknown, seconds: number): void {
    this.appendSeconds.observe({ result: 'error' }, seconds);
  }

  duplicate(count = 1): void {
    this.duplicates.inc(count);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpSeconds.observe({ method, route }, seconds);
  }

  /** Hook for the delivery pipeline: counts Genesys answers. */
  readonly observer: PipelineObserver = {
    onAttemptFinished: (outcome) => {
      this.transportAnswers.inc({ result: answerClass(outcome) });
    },
  };

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
