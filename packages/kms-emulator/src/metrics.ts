/**
 * KMS's CloudWatch metrics for external key stores (§5), kept in memory and served as Prometheus
 * text under the same names and dimensions:
 *
 * - XksProxyLatency{CustomKeyStoreId,KmsOperation,XksOperation}: histogram in milliseconds, capped
 *   at the deadline as KMS records it;
 * - XksProxyErrors{CustomKeyStoreId,KmsOperation,XksOperation,ErrorType,ExceptionName}: counter,
 *   ErrorType Retryable or Non-retryable;
 * - XksExternalKeyManagerStates{CustomKeyStoreId,XksExternalKeyManagerState}: gauge, the counts of
 *   Active / Degraded / Unavailable key manager instances in the last health check;
 * - ExternalKeyStoreThrottle{CustomKeyStoreId,KmsOperation}: counter of throttled requests;
 * - XksProxyCredentialAge{CustomKeyStoreId}: gauge, days since the credential was given to KMS.
 */

import { DAY_MS } from './key-meta.ts';

export type XksOperationName = 'GetHealthStatus' | 'GetKeyMetadata' | 'Encrypt' | 'Decrypt';
export type ErrorType = 'Retryable' | 'Non-retryable';
export type KeyManagerState = 'Active' | 'Degraded' | 'Unavailable';

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 150, 200, 250] as const;

type Labels = Record<string, string>;
type Histogram = { buckets: number[]; sum: number; count: number };

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels));
}

function formatLabels(labels: Labels, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const body = Object.entries(all)
    .map(
      ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
  return body ? `{${body}}` : '';
}

export type MetricsSnapshot = {
  latency: Array<{ labels: Labels; count: number; sumMs: number }>;
  errors: Array<{ labels: Labels; count: number }>;
  keyManagerStates: Array<{
    CustomKeyStoreId: string;
    Active: number;
    Degraded: number;
    Unavailable: number;
    at: string;
  }>;
  throttles: Array<{ labels: Labels; count: number }>;
  credentialAgeDays: Array<{ CustomKeyStoreId: string; days: number }>;
};

/** Counters and gauges; the credential ages are read from the state when scraped. */
export class KmsMetrics {
  private readonly latency = new Map<string, { labels: Labels; h: Histogram }>();
  private readonly errors = new Map<string, { labels: Labels; count: number }>();
  private readonly throttles = new Map<string, { labels: Labels; count: number }>();
  private readonly states = new Map<
    string,
    { Active: number; Degraded: number; Unavailable: number; at: number }
  >();

  recordLatency(
    keyStoreId: string,
    kmsOperation: string,
    xksOperation: XksOperationName,
    ms: number,
  ): void {
    const labels = {
      CustomKeyStoreId: keyStoreId,
      KmsOperation: kmsOperation,
      XksOperation: xksOperation,
    };
    const key = labelKey(labels);
    let entry = this.latency.get(key);
    if (!entry) {
      entry = { labels, h: { buckets: LATENCY_BUCKETS_MS.map(() => 0), sum: 0, count: 0 } };
      this.latency.set(key, entry);
    }
    entry.h.count += 1;
    entry.h.sum += ms;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      if (ms <= le) entry.h.buckets[i] = (entry.h.buckets[i] ?? 0) + 1;
    });
  }

  recordError(
    keyStoreId: string,
    kmsOperation: string,
    xksOperation: XksOperationName,
    errorType: ErrorType,
    exceptionName: string,
  ): void {
    const labels = {
      CustomKeyStoreId: keyStoreId,
      KmsOperation: kmsOperation,
      XksOperation: xksOperation,
      ErrorType: errorType,
      ExceptionName: exceptionName,
    };
    const key = labelKey(labels);
    const entry = this.errors.get(key) ?? { labels, count: 0 };
    entry.count += 1;
    this.errors.set(key, entry);
  }

  recordThrottle(keyStoreId: string, kmsOperation: string): void {
    const labels = { CustomKeyStoreId: keyStoreId, KmsOperation: kmsOperation };
    const key = labelKey(labels);
    const entry = this.throttles.get(key) ?? { labels, count: 0 };
    entry.count += 1;
    this.throttles.set(key, entry);
  }

  recordKeyManagerStates(
    keyStoreId: string,
    counts: { Active: number; Degraded: number; Unavailable: number },
    atMs: number,
  ): void {
    this.states.set(keyStoreId, { ...counts, at: atMs });
  }

  /** Forgets a deleted key store's gauges (counters stay, as CloudWatch keeps history). */
  forgetKeyStore(keyStoreId: string): void {
    this.states.delete(keyStoreId);
  }

  errorCount(filter: Partial<Labels> = {}): number {
    let n = 0;
    for (const { labels, count } of this.errors.values()) {
      if (Object.entries(filter).every(([k, v]) => labels[k] === v)) n += count;
    }
    return n;
  }

  throttleCount(keyStoreId?: string): number {
    let n = 0;
    for (const { labels, count } of this.throttles.values()) {
      if (keyStoreId === undefined || labels.CustomKeyStoreId === keyStoreId) n += count;
    }
    return n;
  }

  snapshot(credentialSetAt: ReadonlyMap<string, number>, nowMs: number): MetricsSnapshot {
    return {
      latency: [...this.latency.values()].map(({ labels, h }) => ({
        labels,
        count: h.count,
        sumMs: Math.round(h.sum * 100) / 100,
      })),
      errors: [...this.errors.values()].map(({ labels, count }) => ({ labels, count })),
      keyManagerStates: [...this.states.entries()].map(([id, s]) => ({
        CustomKeyStoreId: id,
        Active: s.Active,
        Degraded: s.Degraded,
        Unavailable: s.Unavailable,
        at: new Date(s.at).toISOString(),
      })),
      throttles: [...this.throttles.values()].map(({ labels, count }) => ({ labels, count })),
      credentialAgeDays: [...credentialSetAt.entries()].map(([id, at]) => ({
        CustomKeyStoreId: id,
        days: Math.floor(Math.max(0, nowMs - at) / DAY_MS),
      })),
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  prometheus(credentialSetAt: ReadonlyMap<string, number>, nowMs: number): string {
    const out: string[] = [];
    out.push(
      '# HELP XksProxyLatency Time the XKS proxy took to answer, in milliseconds (capped at the deadline).',
      '# TYPE XksProxyLatency histogram',
    );
    for (const { labels, h } of this.latency.values()) {
      LATENCY_BUCKETS_MS.forEach((le, i) => {
        out.push(
          `XksProxyLatency_bucket${formatLabels(labels, { le: String(le) })} ${h.buckets[i]}`,
        );
      });
      out.push(`XksProxyLatency_bucket${formatLabels(labels, { le: '+Inf' })} ${h.count}`);
      out.push(`XksProxyLatency_sum${formatLabels(labels)} ${h.sum}`);
      out.push(`XksProxyLatency_count${formatLabels(labels)} ${h.count}`);
    }
    out.push(
      '# HELP XksProxyErrors Failed XKS proxy calls by ErrorType (Retryable, Non-retryable) and ExceptionName.',
      '# TYPE XksProxyErrors counter',
    );
    for (const { labels, count } of this.errors.values()) {
      out.push(`XksProxyErrors${formatLabels(labels)} ${count}`);
    }
    out.push(
      '# HELP XksExternalKeyManagerStates Key manager instances per health status in the last GetHealthStatus.',
      '# TYPE XksExternalKeyManagerStates gauge',
    );
    for (const [id, s] of this.states.entries()) {
      for (const state of ['Active', 'Degraded', 'Unavailable'] as const) {
        out.push(
          `XksExternalKeyManagerStates${formatLabels({ CustomKeyStoreId: id, XksExternalKeyManagerState: state })} ${s[state]}`,
        );
      }
    }
    out.push(
      '# HELP ExternalKeyStoreThrottle Requests refused because the key store request quota was used up.',
      '# TYPE ExternalKeyStoreThrottle counter',
    );
    for (const { labels, count } of this.throttles.values()) {
      out.push(`ExternalKeyStoreThrottle${formatLabels(labels)} ${count}`);
    }
    out.push(
      '# HELP XksProxyCredentialAge Days since the proxy authentication credential was given to KMS.',
      '# TYPE XksProxyCredentialAge gauge',
    );
    for (const [id, at] of credentialSetAt.entries()) {
      const days = Math.floor(Math.max(0, nowMs - at) / DAY_MS);
      out.push(`XksProxyCredentialAge${formatLabels({ CustomKeyStoreId: id })} ${days}`);
    }
    return `${out.join('\n')}\n`;
  }
}
