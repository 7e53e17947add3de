import type { ErrorCount, TrafficSummary } from '../metrics/xks-metrics.ts';
import { Badge, Empty, Table } from './layout.tsx';
import { UI_BASE } from './ui-deps.ts';

const W = 1000;
const H = 250;
const M = { l: 48, r: 52, t: 26, b: 30 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

/** 1, 2, 5 × 10^n at or above `v` (at least `min`). */
function niceCeil(v: number, min: number): number {
  const x = Math.max(v, min);
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

const fmt = (n: number) => (n >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));

/** Polyline point lists for the runs of non-null values (a gap where there was no traffic). */
function runs(
  values: ReadonlyArray<number | null>,
  x: (i: number) => number,
  y: (v: number) => number,
) {
  const out: string[] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length) out.push(current.join(' '));
      current = [];
      return;
    }
    current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (current.length) out.push(current.join(' '));
  return out;
}

/** The chart: requests/s as bars (left axis), p50 and p99 latency as lines (right axis, ms). */
export function TrafficChart(props: { traffic: TrafficSummary }) {
  const { points, bucketSeconds } = props.traffic;
  const n = points.length;
  const maxRps = niceCeil(Math.max(0, ...points.map((p) => p.requestsPerSecond)), 1);
  const maxMs = niceCeil(Math.max(0, ...points.map((p) => p.p99Ms ?? 0)), 1);
  const slot = PW / n;
  const x = (i: number) => M.l + (i + 0.5) * slot;
  const yRps = (v: number) => M.t + PH - (v / maxRps) * PH;
  const yMs = (v: number) => M.t + PH - (v / maxMs) * PH;
  const minutes = Math.round((n * bucketSeconds) / 60);
  const summary = `Requests per second and p50/p99 latency over the last ${minutes} minutes`;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={summary}
      data-testid="traffic-chart"
    >
      <title>{summary}</title>
      {[0, 0.5, 1].map((f) => (
        <g>
          <line class="grid" x1={M.l} x2={M.l + PW} y1={M.t + PH - f * PH} y2={M.t + PH - f * PH} />
          <text class="axis" x={M.l - 6} y={M.t + PH - f * PH + 4} text-anchor="end">
            {fmt(f * maxRps)}
          </text>
          <text class="axis" x={M.l + PW + 6} y={M.t + PH - f * PH + 4}>
            {fmt(f * maxMs)}
          </text>
        </g>
      ))}
      {points.map((p, i) =>
        p.requests > 0 ? (
          <rect
            class={p.errors > 0 ? 'bar has-errors' : 'bar'}
            x={(M.l + i * slot + 0.5).toFixed(1)}
            y={yRps(p.requestsPerSecond).toFixed(1)}
            width={Math.max(1, slot - 1).toFixed(1)}
            height={(M.t + PH - yRps(p.requestsPerSecond)).toFixed(1)}
          >
            <title>{`${p.requestsPerSecond} req/s, ${p.errors} error(s), p50 ${p.p50Ms ?? '-'} ms, p99 ${p.p99Ms ?? '-'} ms`}</title>
          </rect>
        ) : null,
      )}
      {runs(
        points.map((p) => p.p99Ms),
        x,
        yMs,
      ).map((pts) => (
        <polyline class="line p99" points={pts} />
      ))}
      {runs(
        points.map((p) => p.p50Ms),
        x,
        yMs,
      ).map((pts) => (
        <polyline class="line p50" points={pts} />
      ))}
      {points.map((p, i) =>
        p.p99Ms === null ? null : (
          <circle class="dot p99" cx={x(i).toFixed(1)} cy={yMs(p.p99Ms).toFixed(1)} r="3" />
        ),
      )}
      {points.map((p, i) =>
        p.p50Ms === null ? null : (
          <circle class="dot p50" cx={x(i).toFixed(1)} cy={yMs(p.p50Ms).toFixed(1)} r="3" />
        ),
      )}
      <text class="axis" x={M.l} y={H - 8}>
        {`-${minutes} min`}
      </text>
      <text class="axis" x={M.l + PW / 2} y={H - 8} text-anchor="middle">
        {`-${Math.round(minutes / 2)} min`}
      </text>
      <text class="axis" x={M.l + PW} y={H - 8} text-anchor="end">
        now
      </text>
      <text class="axis legend" x={4} y={14}>
        req/s
      </text>
      <text class="axis legend" x={W - 4} y={14} text-anchor="end">
        ms
      </text>
    </svg>
  );
}

/** The live panel of the Overview: app.js replaces it with a fresh copy every few seconds. */
export function TrafficPanel(props: {
  traffic: TrafficSummary;
  errors: readonly ErrorCount[];
  total: number;
}) {
  const m = props.traffic.lastMinute;
  return (
    <section
      class="card wide live"
      id="traffic"
      data-refresh={`${UI_BASE}/live/traffic`}
      data-refresh-ms="3000"
      aria-live="polite"
    >
      <h2>Live traffic</h2>
      <dl class="stats">
        <div>
          <dt>Requests/s (last min)</dt>
          <dd data-testid="rps">{m.requestsPerSecond}</dd>
        </div>
        <div>
          <dt>p50</dt>
          <dd>{m.p50Ms === null ? '-' : `${m.p50Ms} ms`}</dd>
        </div>
        <div>
          <dt>p99</dt>
          <dd>{m.p99Ms === null ? '-' : `${m.p99Ms} ms`}</dd>
        </div>
        <div>
          <dt>Errors (last min)</dt>
          <dd>{m.errors}</dd>
        </div>
        <div>
          <dt>XKS calls since start</dt>
          <dd data-testid="total-calls">{props.total}</dd>
        </div>
      </dl>
      <div class="chart-wrap">
        <TrafficChart traffic={props.traffic} />
      </div>
      <p class="legend-row">
        <span class="key bar" /> requests/s <span class="key p50" /> p50 latency{' '}
        <span class="key p99" /> p99 latency <span class="key has-errors" /> interval with errors
      </p>
      <h3>Errors since start, by errorName</h3>
      {props.errors.length === 0 ? (
        <Empty>No XKS call has failed.</Empty>
      ) : (
        <Table head={['errorName', 'Count', 'KMS retries?']}>
          {props.errors.map((e) => (
            <tr>
              <td>{e.errorName}</td>
              <td class="num">{e.count}</td>
              <td>
                {e.retryable ? (
                  <Badge tone="warn">retryable</Badge>
                ) : (
                  <Badge tone="muted">no</Badge>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
