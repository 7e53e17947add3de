import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  type Body,
  decryptBody,
  encryptBody,
  healthBody,
  metadataBody,
  type Sealed,
} from '../bodies.ts';
import { defineCheck } from '../check.ts';
import type { CheckContext } from '../context.ts';
import { describeReply, fail, parseJson } from '../expect.ts';
import { KMS_DEADLINE_MS } from '../load.ts';
import { openSocket, type RawResponse, ResponseReader, serializeRequest } from '../raw-http.ts';
import { signXksRequest } from '../sign.ts';

/** Calls on one kept-alive connection; pipelined requests in one write; slow connections held. */
export const KEEP_ALIVE_CALLS = 24;
export const SLOW_CONNECTIONS = 8;
export const IDLE_CONNECTIONS = 4;
const CALLS_BESIDE_SLOW = 8;

type Call = { path: string; body: Body; expect: string };

/** The bytes of a call signed as KMS signs it (host;x-amz-date), for a raw socket. */
function signedBytes(ctx: CheckContext, call: Call): Buffer {
  const o = ctx.options;
  const req = signXksRequest({
    host: ctx.run.endpoint.host,
    path: call.path,
    body: call.body,
    credential: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    region: o.region,
    now: ctx.run.clock(),
    cache: ctx.run.signingCache,
  });
  const { host: _host, ...headers } = req.headers;
  return serializeRequest({ ...req, headers }, ctx.run.endpoint.host);
}

/** Notes a raw exchange for the checks that judge every answer (format.*, latency.*). */
function record(ctx: CheckContext, call: Call, r: RawResponse, durationMs: number, timed: boolean) {
  const text = r.body.toString('utf8');
  ctx.lastSent = { method: 'POST', path: call.path, headers: {}, body: '' };
  ctx.lastReceived = { status: r.status, headers: r.headers, body: text.slice(0, 400) };
  ctx.run.exchanges.push({
    checkId: ctx.checkId,
    method: 'POST',
    path: call.path,
    status: r.status,
    contentType: r.headers['content-type'],
    text,
    durationMs,
    runnerStallMs: ctx.run.stalls.stalledMs(performance.now() - durationMs, performance.now()),
    timed,
  });
}

/** What is wrong with the answer to `call`, or undefined (200 with the field it must carry). */
export function answerProblem(call: Call, r: RawResponse): string | undefined {
  const text = r.body.toString('utf8');
  if (r.status !== 200) {
    return describeReply({
      status: r.status,
      contentType: r.headers['content-type'],
      text,
      durationMs: 0,
    });
  }
  const parsed = parseJson(text);
  if (
    !parsed.ok ||
    typeof parsed.value !== 'object' ||
    parsed.value === null ||
    !(call.expect in parsed.value)
  ) {
    return `200 without ${call.expect}: the answer does not belong to this request`;
  }
  return undefined;
}

const rand = (n: number) => new Uint8Array(randomBytes(n));

function cycle(ctx: CheckContext, i: number, sealed: Sealed | undefined): Call {
  const key = ctx.options.keyId;
  switch (i % 4) {
    case 0:
      return { path: ctx.healthPath(), body: healthBody(), expect: 'ekmFleetDetails' };
    case 1:
      return { path: ctx.keyPath(key, 'metadata'), body: metadataBody(), expect: 'keySpec' };
    case 2:
      return {
        path: ctx.keyPath(key, 'encrypt'),
        body: encryptBody({ plaintext: rand(32) }),
        expect: 'ciphertext',
      };
    default:
      return sealed
        ? { path: ctx.keyPath(key, 'decrypt'), body: decryptBody(sealed), expect: 'plaintext' }
        : { path: ctx.healthPath(), body: healthBody(), expect: 'ekmFleetDetails' };
  }
}

async function withSocket<T>(
  ctx: CheckContext,
  use: (s: Socket, r: ResponseReader) => Promise<T>,
): Promise<T> {
  const socket = await openSocket(ctx.run.endpoint, ctx.run.timeoutMs);
  try {
    return await use(socket, new ResponseReader(socket));
  } finally {
    socket.destroy();
  }
}

/** Signed calls on fresh connections; the proxy's time of each (runner stalls not counted). */
async function callsBeside(ctx: CheckContext, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const call = cycle(ctx, i % 3, undefined);
    const reply = await ctx.post(call.path, call.body);
    if (reply.status !== 200)
      fail(`call ${i + 1} beside slow connections: ${describeReply(reply)}`);
    times.push(Math.max(0, (reply.answerMs ?? reply.durationMs) - (reply.runnerStallMs ?? 0)));
  }
  return times;
}

/** The judgement of transport.slow-connections: more than one call over the deadline fails. */
export function slowBesideProblem(times: readonly number[], held: number): string | undefined {
  const slow = times.filter((ms) => ms > KMS_DEADLINE_MS);
  if (slow.length < 2) return undefined;
  return `${slow.length} of ${times.length} calls beside ${held} slow connections took over ${KMS_DEADLINE_MS} ms (up to ${Math.round(Math.max(...slow))} ms): KMS gives up on them`;
}

export const transportChecks = [
  defineCheck({
    id: 'transport.keep-alive',
    title: `${KEEP_ALIVE_CALLS} calls on one kept-alive connection are all answered`,
    specRef: '§1.1 (HTTP/1.1, RFC 9112 §9.3), §5',
    severity: 'SHOULD',
    why: 'KMS reuses connections; a proxy that closes each one makes every call pay a TCP and TLS handshake, which eats most of the 250 ms at 1800 requests a second.',
    run: (ctx) =>
      withSocket(ctx, async (socket, reader) => {
        let sealed: Sealed | undefined;
        for (let i = 0; i < KEEP_ALIVE_CALLS; i++) {
          const call = cycle(ctx, i, sealed);
          const started = performance.now();
          socket.write(signedBytes(ctx, call));
          const r = await reader
            .next(ctx.run.timeoutMs)
            .catch((e: Error) =>
              fail(`call ${i + 1} of ${KEEP_ALIVE_CALLS} on one connection: ${e.message}`),
            );
          record(ctx, call, r, performance.now() - started, true);
          const problem = answerProblem(call, r);
          if (problem) fail(`call ${i + 1} of ${KEEP_ALIVE_CALLS} on one connection: ${problem}`);
          if (call.expect === 'ciphertext') sealed = JSON.parse(r.body.toString('utf8')) as Sealed;
          if (/\bclose\b/i.test(r.headers.connection ?? '') && i < KEEP_ALIVE_CALLS - 1) {
            fail(
              `answer ${i + 1} carries Connection: close: the proxy ends the connection after each call`,
            );
          }
        }
        ctx.note(`${KEEP_ALIVE_CALLS} calls answered on one connection`);
      }),
  }),
  defineCheck({
    id: 'transport.pipelining',
    title: 'Four requests pipelined in one write are answered in order',
    specRef: '§1.1 (HTTP/1.1, RFC 9112 §9.3.2)',
    severity: 'SHOULD',
    why: 'An HTTP/1.1 client may send the next request before the answer to the previous one; a proxy that drops or reorders them breaks such a client or load balancer.',
    run: (ctx) =>
      withSocket(ctx, async (socket, reader) => {
        const calls = [0, 1, 2, 0].map((i) => cycle(ctx, i, undefined));
        socket.write(Buffer.concat(calls.map((c) => signedBytes(ctx, c))));
        for (const [i, call] of calls.entries()) {
          const r = await reader
            .next(ctx.run.timeoutMs)
            .catch((e: Error) =>
              fail(`answered ${i} of ${calls.length} pipelined requests, then: ${e.message}`),
            );
          record(ctx, call, r, 0, false);
          const problem = answerProblem(call, r);
          if (problem) fail(`pipelined request ${i + 1} of ${calls.length}: ${problem}`);
        }
      }),
  }),
  defineCheck({
    id: 'transport.slow-connections',
    title: `Calls are answered in time while ${SLOW_CONNECTIONS + IDLE_CONNECTIONS} other connections are slow or idle`,
    specRef: '§5',
    severity: 'MUST',
    why: 'A client that sends slowly (a stalled network path, a scanner) must not hold KMS back: a proxy serving few connections at a time times out every KMS call behind them.',
    async run(ctx) {
      const held: Socket[] = [];
      const line = `POST ${ctx.healthPath()} HTTP/1.1\r\nhost: ${ctx.run.endpoint.host}\r\n`;
      const drip = setInterval(() => {
        for (const s of held.slice(0, SLOW_CONNECTIONS)) s.write('x-slow: 1\r\n');
      }, 100);
      try {
        for (let i = 0; i < SLOW_CONNECTIONS + IDLE_CONNECTIONS; i++) {
          const s = await openSocket(ctx.run.endpoint, ctx.run.timeoutMs);
          s.on('error', () => {});
          held.push(s);
          if (i < SLOW_CONNECTIONS) s.write(line);
        }
        const times = await callsBeside(ctx, CALLS_BESIDE_SLOW);
        // One slow call may be a stall of the machine: it counts when another one is slow too.
        if (times.filter((ms) => ms > KMS_DEADLINE_MS).length === 1) {
          times.push(...(await callsBeside(ctx, CALLS_BESIDE_SLOW)));
        }
        const problem = slowBesideProblem(times, held.length);
        if (problem) fail(problem);
        ctx.note(
          `${times.length} calls beside ${held.length} slow connections, slowest ${Math.round(Math.max(...times))} ms`,
        );
      } finally {
        clearInterval(drip);
        for (const s of held) s.destroy();
      }
    },
  }),
];
