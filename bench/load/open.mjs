// @ts-check
// Open-loop fixed-rate load, run as its own process. Request i is due at t0 + i / rate whether or
// not earlier ones have been answered (no coordinated omission): its latency is measured from the
// time it was due, not from when a free connection let it go. Requests go over keep-alive
// connections (node:http or node:https Agent, up to `maxSockets`); a request that has no free
// connection waits in the agent's queue, and that wait counts in its latency.
//
// Before the first request is due, `warmConnections` requests (16 by default, not counted) go out
// at once and their keep-alive connections stay open, as KMS keeps its connections to a proxy:
// a fresh generator that opened them under the rate instead put ~50 connection set-ups and its
// own cold start into the first 50 ms, and in a 5 s run those answers alone moved the p99.
//
// Config (JSON file, argv[2]): { url, rate, durationSec, requests: [...], maxSockets, timeoutMs,
// warmConnections, latencies }.
// Prints one JSON line: counts, achieved rate, latency percentiles (ms) from the due time, and
// the service time (from the actual send), plus how far the scheduler ever lagged; with
// `latencies: true` also every request's latency (ms, to the microsecond), so the runs of several
// rounds can be judged as one.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const configFile = process.argv[2];
if (configFile === undefined) throw new Error('usage: node load/<kind>.mjs CONFIG.json');
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const url = new URL(config.url);
const secure = url.protocol === 'https:';
const request = secure ? httpsRequest : httpRequest;
const agent = new (secure ? HttpsAgent : HttpAgent)({
  keepAlive: true,
  maxSockets: config.maxSockets ?? 256,
  ...(secure ? { rejectUnauthorized: false } : {}),
});
const pool = config.requests.map(
  (/** @type {{ path: string; headers: Record<string, string>; body: string }} */ r) => ({
    path: r.path,
    headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
    body: Buffer.from(r.body),
  }),
);
const total = Math.round(config.rate * config.durationSec);
const timeoutMs = config.timeoutMs ?? 10_000;
const latency = new Float64Array(total);
const service = new Float64Array(total);
let done = 0;
let ok = 0;
let non2xx = 0;
let errors = 0;
/** @type {Record<number, number>} */
const statuses = {};
let sent = 0;
let maxLagMs = 0;

/**
 * Sends pool request `i`; `onAnswer` gets its status (0: no answer), once.
 * @param {number} i
 * @param {(status: number) => void} onAnswer
 */
function send(i, onAnswer) {
  const req = pool[i % pool.length];
  let finished = false;
  const finish = (/** @type {number} */ status) => {
    if (finished) return;
    finished = true;
    onAnswer(status);
  };
  const r = request(
    {
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: req.path,
      headers: req.headers,
      agent,
      setHost: false,
    },
    (res) => {
      res.on('data', () => {});
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', () => finish(0));
    },
  );
  r.setTimeout(timeoutMs, () => r.destroy(new Error('timeout')));
  r.on('error', () => finish(0));
  r.end(req.body);
}

/**
 * @param {number} i
 * @param {number} due
 */
function fire(i, due) {
  const sentAt = performance.now();
  send(i, (status) => {
    const end = performance.now();
    latency[i] = end - due;
    service[i] = end - sentAt;
    if (status === 200) ok++;
    else if (status > 0) non2xx++;
    else errors++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    done++;
  });
}

await Promise.all(
  Array.from(
    { length: config.warmConnections ?? 16 },
    (_, i) => new Promise((answered) => send(i, answered)),
  ),
);

const t0 = performance.now() + 50;
await new Promise(
  /** @param {(value?: unknown) => void} resolveAll */ (resolveAll) => {
    const tick = () => {
      const now = performance.now();
      const dueCount = Math.min(total, Math.floor(((now - t0) * config.rate) / 1000) + 1);
      while (sent < dueCount) {
        const due = t0 + (sent * 1000) / config.rate;
        maxLagMs = Math.max(maxLagMs, now - due);
        fire(sent, due);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolveAll();
    };
    setTimeout(tick, 50);
  },
);
const deadline = performance.now() + timeoutMs + 1000;
while (done < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
const elapsedSec = (performance.now() - t0) / 1000;
agent.destroy();

const pick = (/** @type {Float64Array} */ arr) => {
  const s = Array.from(arr.subarray(0, total)).sort((a, b) => a - b);
  const p = (/** @type {number} */ q) =>
    s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))];
  return { p50: p(50), p90: p(90), p99: p(99), p999: p(99.9), max: s[s.length - 1] };
};
process.stdout.write(
  `${JSON.stringify({
    requests: total,
    answered: done,
    ok,
    non2xx,
    errors: errors + (total - done),
    statuses,
    targetRate: config.rate,
    achievedRate: total / elapsedSec,
    maxSchedulerLagMs: maxLagMs,
    latencyMs: pick(latency),
    serviceMs: pick(service),
    ...(config.latencies === true
      ? {
          latenciesMs: Array.from(latency.subarray(0, total), (ms) => Math.round(ms * 1000) / 1000),
        }
      : {}),
  })}\n`,
);
