import { isXksErrorName, XKS_ERRORS } from '@xkslab/protocol';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Seconds per point of the recent-traffic series (the Overview chart). */
export const RECENT_BUCKET_SECONDS = 5;
/** Points kept: 120 × 5 s = the last 10 minutes. */
export const RECENT_BUCKETS = 120;

/** Prometheus histogram buckets (seconds), around KMS's 250 ms deadline and 200 ms alarm. */
const DURATION_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5,
];

/*
 * Each recent point keeps a small log-scale latency histogram for its p50/p99: 64 buckets growing
 * by 25 % from 50 µs (the last one is open-ended, past ~80 s). A quantile is reported as the upper
 * edge of the bucket it falls in, so it is at most 25 % high: plenty for a chart.
 */
const LAT_MIN_MS = 0.05;
const LAT_RATIO = 1.25;
const LAT_BUCKETS = 64;
const INV_LOG_RATIO = 1 / Math.log(LAT_RATIO);

function latencyBucket(ms: number): number {
  if (!(ms > LAT_MIN_MS)) return 0;
  const i = Math.ceil(Math.log(ms / LAT_MIN_MS) * INV_LOG_RATIO);
  return i >= LAT_BUCKETS ? LAT_BUCKETS - 1 : i;
}

function bucketUpperMs(i: number): number {
  return LAT_MIN_MS * LAT_RATIO ** i;
}

type RecentPoint = { slot: number; requests: number; errors: number; latency: Uint32Array };

/** One point of the recent-traffic series. */
export type TrafficPoint = {
  /** Start of the interval, ms since the epoch. */
  at: number;
  requests: number;
  requestsPerSecond: number;
  errors: number;
  /** Milliseconds; null when the interval saw no request. */
  p50Ms: number | null;
  p99Ms: number | null;
};

export type TrafficSummary = {
  bucketSeconds: number;
  points: TrafficPoint[];
  /** Over the last minute. */
  lastMinute: {
    requests: number;
    requestsPerSecond: number;
    errors: number;
    p50Ms: number | null;
    p99Ms: number | null;
  };
};

export type ErrorCount = {
  errorName: string;
  retryable: boolean;
  count: number;
};

function quantile(hist: Uint32Array, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] as number;
    if (seen >= rank) return Math.round(bucketUpperMs(i) * 100) / 100;
  }
  return Math.round(bucketUpperMs(hist.length - 1) * 100) / 100;
}

export type XksMetricsOptions = {
  /** Milliseconds since the epoch (injected for tests). */
  now?: () => number;
  /** Also export prom-client's default process metrics (CPU, memory, event loop). */
  processMetrics?: boolean;
};

/**
 * The proxy's in-process metrics, one place for both readers: Prometheus text at `GET /metrics`
 * (prom-client: a per-operation latency histogram and error counters labelled by errorName and
 * by whether KMS retries that error, per XKS_ERRORS), and the dashboard's recent-traffic series
 * (requests/s, p50/p99 and errors per 5 s over the last 10 minutes).
 *
 * `observe` runs in the XKS handler's `finally` for every call: a few array writes, a cached
 * prom-client child per operation, no allocation on the common path.
 */
export class XksMetrics {
  readonly registry = new Registry();
  readonly #now: () => number;
  readonly #duration: Histogram<'operation'>;
  readonly #errors: Counter<'operation' | 'errorName' | 'retryable'>;
  readonly #clientAborts: Counter<'operation'>;
  readonly #durationByOp = new Map<string, Histogram.Internal<'operation'>>();
  readonly #recent: RecentPoint[];

  constructor(options: XksMetricsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#duration = new Histogram({
      name: 'xkslab_xks_request_duration_seconds',
      help: 'Time from the start of an XKS request to its answer, by XKS operation',
      labelNames: ['operation'],
      buckets: DURATION_BUCKETS_S,
      registers: [this.registry],
    });
    this.#errors = new Counter({
      name: 'xkslab_xks_errors_total',
      help: 'XKS error answers by operation and errorName; retryable as KMS classifies the error',
      labelNames: ['operation', 'errorName', 'retryable'],
      registers: [this.registry],
    });
    this.#clientAborts = new Counter({
      name: 'xkslab_xks_client_aborts_total',
      help: 'XKS requests whose client closed the connection before the body ended (no answer, no error)',
      labelNames: ['operation'],
      registers: [this.registry],
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#recent = Array.from({ length: RECENT_BUCKETS }, () => ({
      slot: -1,
      requests: 0,
      errors: 0,
      latency: new Uint32Array(LAT_BUCKETS),
    }));
  }

  /** Records one XKS call: its operation, how long it took, and its errorName if it failed. */
  observe(operation: string, durationMs: number, errorName: string | undefined): void {
    let child = this.#durationByOp.get(operation);
    if (!child) {
      child = this.#duration.labels(operation);
      this.#durationByOp.set(operation, child);
    }
    child.observe(durationMs / 1000);
    if (errorName !== undefined) {
      const retryable = isXksErrorName(errorName) && XKS_ERRORS[errorName].retryable;
      this.#errors.labels(operation, errorName, retryable ? 'true' : 'false').inc();
    }
    const slot = Math.floor(this.#now() / (RECENT_BUCKET_SECONDS * 1000));
    const point = this.#recent[slot % RECENT_BUCKETS] as RecentPoint;
    if (point.slot !== slot) {
      point.slot = slot;
      point.requests = 0;
      point.errors = 0;
      point.latency.fill(0);
    }
    point.requests++;
    if (errorName !== undefined) point.errors++;
    const i = latencyBucket(durationMs);
    point.latency[i] = (point.latency[i] as number) + 1;
  }

  /** Counts a call its client abandoned mid-body: neither an answer nor an error. */
  clientAbort(operation: string): void {
    this.#clientAborts.labels(operation).inc();
  }

  /** The last 10 minutes in 5-second points, oldest first, and a summary of the last minute. */
  traffic(): TrafficSummary {
    const bucketMs = RECENT_BUCKET_SECONDS * 1000;
    const current = Math.floor(this.#now() / bucketMs);
    const points: TrafficPoint[] = [];
    const minute = new Uint32Array(LAT_BUCKETS);
    let minuteRequests = 0;
    let minuteErrors = 0;
    const minutePoints = Math.round(60 / RECENT_BUCKET_SECONDS);
    for (let slot = current - RECENT_BUCKETS + 1; slot <= current; slot++) {
      const p = this.#recent[((slot % RECENT_BUCKETS) + RECENT_BUCKETS) % RECENT_BUCKETS];
      const live = p !== undefined && p.slot === slot;
      const requests = live ? p.requests : 0;
      const errors = live ? p.errors : 0;
      points.push({
        at: slot * bucketMs,
        requests,
        requestsPerSecond: Math.round((requests / RECENT_BUCKET_SECONDS) * 100) / 100,
        errors,
        p50Ms: live ? quantile(p.latency, requests, 0.5) : null,
        p99Ms: live ? quantile(p.latency, requests, 0.99) : null,
      });
      if (live && slot > current - minutePoints) {
        minuteRequests += requests;
        minuteErrors += errors;
        for (let i = 0; i < LAT_BUCKETS; i++) {
          minute[i] = (minute[i] as number) + (p.latency[i] as number);
        }
      }
    }
    return {
      bucketSeconds: RECENT_BUCKET_SECONDS,
      points,
      lastMinute: {
        requests: minuteRequests,
        requestsPerSecond: Math.round((minuteRequests / 60) * 100) / 100,
        errors: minuteErrors,
        p50Ms: quantile(minute, minuteRequests, 0.5),
        p99Ms: quantile(minute, minuteRequests, 0.99),
      },
    };
  }

  /** Error answers since start by errorName (from the Prometheus counter), most frequent first. */
  async errorCounts(): Promise<ErrorCount[]> {
    const byName = new Map<string, ErrorCount>();
    for (const v of (await this.#errors.get()).values) {
      const errorName = String(v.labels.errorName);
      const entry = byName.get(errorName) ?? {
        errorName,
        retryable: v.labels.retryable === 'true',
        count: 0,
      };
      entry.count += v.value;
      byName.set(errorName, entry);
    }
    return [...byName.values()].sort(
      (a, b) => b.count - a.count || a.errorName.localeCompare(b.errorName),
    );
  }

  /** XKS calls answered since start (the histogram's count over every operation). */
  async requestCount(): Promise<number> {
    let n = 0;
    for (const v of (await this.#duration.get()).values) {
      if (v.metricName === 'xkslab_xks_request_duration_seconds_count') n += v.value;
    }
    return n;
  }

  /** The Prometheus text exposition of everything above. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
