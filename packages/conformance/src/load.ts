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
  const histogram = buildHistogram({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const errors: Record<string, number> = {};
  const countError = (kind: string) => {
    errors[kind] = (errors[kind] ?? 0) + 1;
  };
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

  // One ciphertext to decrypt throughout the run.
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

  const total = Math.max(1, Math.round(load.rps * load.seconds));
  const intervalMs = 1000 / load.rps;
  let sent = 0;
  let completed = 0;
  let succeeded = 0;
  let errorCount = 0;
  let inFlight = 0;
  let maxSendLagMs = 0;
  let overDeadline = 0;
  let overAlarm = 0;
  let lastDone = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();

  const fire = (i: number) => {
    if (inFlight >= MAX_IN_FLIGHT) {
      errorCount++;
      countError('client-overload');
      return;
    }
    const body =
      i % 2 === 1 && sealed
        ? signed(`${base}/keys/${keyId}/decrypt`, decryptBody(sealed))
        : signed(`${base}/keys/${keyId}/encrypt`, encryptBody({ plaintext }));
    inFlight++;
    const sentAt = performance.now();
    pending.push(
      send(endpoint, body, { timeoutMs: run.timeoutMs, agent })
        .then(
          (res) => {
            const ms = performance.now() - sentAt;
            histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
            if (ms > KMS_DEADLINE_MS) overDeadline++;
            if (ms > KMS_ALARM_MS) overAlarm++;
            completed++;
            if (res.status === 200) succeeded++;
            else {
              errorCount++;
              countError(errorNameOf(res.body.toString('utf8')) ?? `HTTP ${res.status}`);
            }
          },
          (e: unknown) => {
            errorCount++;
            countError(e instanceof NetworkError ? e.code : 'network');
          },
        )
        .finally(() => {
          inFlight--;
          lastDone = performance.now();
        }),
    );
  };

  await new Promise<void>((done) => {
    let lastProgress = start;
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
      while (sent < due) {
        const plannedAt = start + sent * intervalMs;
        maxSendLagMs = Math.max(maxSendLagMs, now - plannedAt);
        fire(sent);
        sent++;
      }
      if (onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        onProgress({
          type: 'load-progress',
          elapsedSeconds: Math.round((now - start) / 100) / 10,
          seconds: load.seconds,
          sent,
          completed,
          errors: errorCount,
        });
      }
      if (sent >= total || run.signal?.aborted) {
        clearInterval(timer);
        done();
      }
    }, TICK_MS);
  });
  await Promise.all(pending);
  agent.destroy();

  const wallSeconds = Math.max(load.seconds, ((lastDone || performance.now()) - start) / 1000);
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    targetRps: load.rps,
    seconds: load.seconds,
    sent,
    completed,
    succeeded,
    errors,
    errorCount,
    achievedRps: Math.round((succeeded / wallSeconds) * 10) / 10,
    latencyMs: {
      p50: ms(histogram.getValueAtPercentile(50)),
      p95: ms(histogram.getValueAtPercentile(95)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
    },
    overDeadline,
    overAlarm,
    maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
  };
}
