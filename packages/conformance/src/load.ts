import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EncryptResponse } from '@xkslab/protocol';
import { build as buildHistogram } from 'hdr-histogram-js';
import { decryptBody, encryptBody, type Sealed } from './bodies.ts';
import type { RunState } from './context.ts';
import { errorNameOf } from './expect.ts';
import { NetworkError, send } from './http-client.ts';
import { signXksRequest } from './sign.ts';
import type { LoadResult, ProgressEvent } from './types.ts';

/** KMS's per-call deadline and its suggested latency alarm (§5). */
export const KMS_DEADLINE_MS = 250;
export const KMS_ALARM_MS = 200;
/** The scheduler never keeps more requests in flight than this (counted as client-overload). */
const MAX_IN_FLIGHT = 10_000;
const TICK_MS = 2;

/**
 * An open-loop, fixed-rate run: request i is sent at start + i/rps whatever the proxy's answers
 * do (a closed loop would slow down with the proxy and hide its latency). Encrypts and decrypts
 * alternate, each signed on its own. Latency is from sending to the complete response.
 */
export async function runLoad(
  run: RunState,
  load: { rps: number; seconds: number },
  onProgress?: (event: ProgressEvent) => void,
): Promise<LoadResult> {
  const client = openClient(run);
  const sealed = await encryptOnce(run, client);
  const tally = newTally();
  await schedule(run, load, tally, (i) => fire(run, client, sealed, tally, i), onProgress);
  await Promise.all(tally.pending);
  client.agent.destroy();
  return summarize(load, tally);
}

/** A keep-alive agent for the endpoint, the request signer and the plaintext every encrypt sends. */
function openClient(run: RunState) {
  const { endpoint, options } = run;
  const keyId = options.keyId;
  const base = endpoint.basePath;
  const credential = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  const agentOptions = {
    keepAlive: true,
    maxSockets: Number.POSITIVE_INFINITY,
    ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
    ...(endpoint.tls.cert ? { cert: endpoint.tls.cert } : {}),
    ...(endpoint.tls.key ? { key: endpoint.tls.key } : {}),
  };
  const agent =
    endpoint.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const plaintext = new Uint8Array(randomBytes(64));

  const signed = (path: string, body: object) =>
    signXksRequest({
      host: endpoint.host,
      path,
      body,
      credential,
      region: options.region,
      now: run.clock(),
      cache: run.signingCache,
    });
  return { agent, base, keyId, plaintext, signed };
}

type Client = ReturnType<typeof openClient>;

/** One ciphertext to decrypt throughout the run (undefined when encrypting failed). */
async function encryptOnce(run: RunState, client: Client): Promise<Sealed | undefined> {
  const { endpoint } = run;
  const { agent, base, keyId, plaintext, signed } = client;
  let sealed: Sealed | undefined;
  try {
    const res = await send(
      endpoint,
      signed(`${base}/keys/${keyId}/encrypt`, encryptBody({ plaintext })),
      {
        timeoutMs: run.timeoutMs,
        agent,
      },
    );
    const parsed = EncryptResponse.safeParse(JSON.parse(res.body.toString('utf8')));
    if (res.status === 200 && parsed.success) sealed = parsed.data;
  } catch {
    sealed = undefined;
  }
  return sealed;
}

/** The run's counters and latency histogram; start is when scheduling begins. */
function newTally() {
  return {
    histogram: buildHistogram({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 120_000_000,
      numberOfSignificantValueDigits: 3,
    }),
    errors: {} as Record<string, number>,
    sent: 0,
    completed: 0,
    succeeded: 0,
    errorCount: 0,
    inFlight: 0,
    maxSendLagMs: 0,
    overDeadline: 0,
    overAlarm: 0,
    lastDone: 0,
    pending: [] as Promise<void>[],
    start: performance.now(),
  };
}

type Tally = ReturnType<typeof newTally>;

function countError(tally: Tally, kind: string): void {
  tally.errors[kind] = (tally.errors[kind] ?? 0) + 1;
}

/** Sends request i (odd: decrypt, when there is a ciphertext; else encrypt) and records it. */
function fire(
  run: RunState,
  client: Client,
  sealed: Sealed | undefined,
  tally: Tally,
  i: number,
): void {
  const { endpoint } = run;
  const { agent, base, keyId, plaintext, signed } = client;
  if (tally.inFlight >= MAX_IN_FLIGHT) {
    tally.errorCount++;
    countError(tally, 'client-overload');
    return;
  }
  const body =
    i % 2 === 1 && sealed
      ? signed(`${base}/keys/${keyId}/decrypt`, decryptBody(sealed))
      : signed(`${base}/keys/${keyId}/encrypt`, encryptBody({ plaintext }));
  tally.inFlight++;
  const sentAt = performance.now();
  tally.pending.push(
    send(endpoint, body, { timeoutMs: run.timeoutMs, agent })
      .then(
        (res) => {
          const ms = performance.now() - sentAt;
          tally.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
          if (ms > KMS_DEADLINE_MS) tally.overDeadline++;
          if (ms > KMS_ALARM_MS) tally.overAlarm++;
          tally.completed++;
          if (res.status === 200) tally.succeeded++;
          else {
            tally.errorCount++;
            countError(tally, errorNameOf(res.body.toString('utf8')) ?? `HTTP ${res.status}`);
          }
        },
        (e: unknown) => {
          tally.errorCount++;
          countError(tally, e instanceof NetworkError ? e.code : 'network');
        },
      )
      .finally(() => {
        tally.inFlight--;
        tally.lastDone = performance.now();
      }),
  );
}

/** Fires every request due on each tick until all are sent (or the run is aborted). */
function schedule(
  run: RunState,
  load: { rps: number; seconds: number },
  tally: Tally,
  fireAt: (i: number) => void,
  onProgress?: (event: ProgressEvent) => void,
): Promise<void> {
  const { start } = tally;
  const total = Math.max(1, Math.round(load.rps * load.seconds));
  const intervalMs = 1000 / load.rps;
  return new Promise<void>((done) => {
    let lastProgress = start;
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      while (tally.sent < due) {
        const plannedAt = start + tally.sent * intervalMs;
        tally.maxSendLagMs = Math.max(tally.maxSendLagMs, now - plannedAt);
        fireAt(tally.sent);
        tally.sent++;
      }
      if (onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        onProgress({
          type: 'load-progress',
          elapsedSeconds: Math.round((now - start) / 100) / 10,
          seconds: load.seconds,
          sent: tally.sent,
          completed: tally.completed,
          errors: tally.errorCount,
        });
      }
      if (tally.sent >= total || run.signal?.aborted) {
        clearInterval(timer);
        done();
      }
    }, TICK_MS);
  });
}

/** The result: counts, achieved rate and latency percentiles in milliseconds. */
function summarize(load: { rps: number; seconds: number }, tally: Tally): LoadResult {
  const { histogram, start, lastDone } = tally;
  const wallSeconds = Math.max(load.seconds, ((lastDone || performance.now()) - start) / 1000);
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    targetRps: load.rps,
    seconds: load.seconds,
    sent: tally.sent,
    completed: tally.completed,
    succeeded: tally.succeeded,
    errors: tally.errors,
    errorCount: tally.errorCount,
    achievedRps: Math.round((tally.succeeded / wallSeconds) * 10) / 10,
    latencyMs: {
      p50: ms(histogram.getValueAtPercentile(50)),
      p95: ms(histogram.getValueAtPercentile(95)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
    },
    overDeadline: tally.overDeadline,
    overAlarm: tally.overAlarm,
    maxSendLagMs: Math.round(tally.maxSendLagMs * 10) / 10,
  };
}
