// @ts-check
// Closed-loop load (fixed concurrency) with autocannon, run as its own process so the generator
// never shares an event loop with the server. Reads a JSON config file (argv[2]): { url,
// connections, durationSec, requests: [{ method, path, headers, body }] } and prints one JSON
// line with the result. The requests are a pre-signed pool; autocannon builds each request's bytes
// once and cycles through the pool on every connection.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const configFile = process.argv[2];
if (configFile === undefined) throw new Error('usage: node load/<kind>.mjs CONFIG.json');
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.durationSec,
  pipelining: 1,
  timeout: 10,
  requests: config.requests,
});
const total = result.requests.total;
const ok = result['2xx'];
process.stdout.write(
  `${JSON.stringify({
    requests: total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    reqPerSec: total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
  })}\n`,
);
