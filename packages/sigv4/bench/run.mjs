// Throughput of verifyRequest for a typical XKS encrypt call (~400-byte JSON body), with and
// without a SigningKeyCache, against a baseline in the same run: the same verification written
// directly on node:crypto (OpenSSL SHA-256/HMAC, signing key cached), the physical limit here.
// Run after `pnpm build` (imports ../dist). Prints one readable line per case, a closing JSON
// line, and writes <repo>/bench/results/sigv4-verify.json.
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { SigningKeyCache, signRequest, verifyRequest } from '../dist/index.js';

const DURATION_MS = Number(process.env.SIGV4_BENCH_MS ?? 2000);
const region = 'us-east-1';
const service = 'kms-xks-proxy';
const credentials = {
  accessKeyId: 'AKIAXKSLABEXAMPLE2345',
  secretAccessKey: 'u0Zq3nBQ8f0E9x1qv3lJmQ8bS0t8x8Jv1kq5Hc1b2aU=',
};

const body = new TextEncoder().encode(
  JSON.stringify({
    requestMetadata: {
      awsPrincipalArn: 'arn:aws:iam::123456789012:user/Alice',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/b3537ef1-d8dc-4780-9f5a-55776cbb2f7f',
      kmsOperation: 'Encrypt',
      kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
    },
    additionalAuthenticatedData: 'cHJvamVjdD1uaWxl',
    plaintext: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    encryptionAlgorithm: 'AES_GCM',
    ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
  }),
);

const now = new Date();
const unsigned = {
  method: 'POST',
  path: '/example/prefix/kms/xks/v1/keys/foo/encrypt',
  headers: { host: 'xks.example.com', 'content-type': 'application/json' },
  body,
};
const req = {
  ...unsigned,
  headers: { ...unsigned.headers, ...signRequest(unsigned, credentials, { region, service, now }) },
};
const resolveSecret = (id) =>
  id === credentials.accessKeyId ? credentials.secretAccessKey : undefined;

/**
 * The baseline: SigV4 verification of the same request on node:crypto, with the signing key
 * derived once (like the cached case) and the canonical request built for this known shape.
 */
function nodeCryptoVerifier() {
  const auth = req.headers.authorization;
  const m =
    /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(
      auth,
    );
  const [, , date, reg, svc, signedHeaders] = m;
  const hmacOf = (key, data) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmacOf(
    hmacOf(hmacOf(hmacOf(`AWS4${credentials.secretAccessKey}`, date), reg), svc),
    'aws4_request',
  );
  return () => {
    const a = req.headers.authorization;
    const parsed =
      /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(
        a,
      );
    const names = parsed[5].split(';');
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n]).trim()}\n`).join('');
    const amzDate = req.headers['x-amz-date'];
    const creq = `${req.method}\n${req.path}\n\n${canonicalHeaders}\n${signedHeaders}\n${createHash('sha256').update(req.body).digest('hex')}`;
    const sts = `AWS4-HMAC-SHA256\n${amzDate}\n${date}/${reg}/${svc}/aws4_request\n${createHash('sha256').update(creq).digest('hex')}`;
    const expected = createHmac('sha256', signingKey).update(sts).digest();
    if (!timingSafeEqual(expected, Buffer.from(parsed[6], 'hex')))
      throw new Error('baseline: no match');
    return { ok: true };
  };
}

/** What xkslab serve passes (apps/xkslab/src/node-sha256.ts): one-shot hashes, hex straight. */
const nodeHash = {
  sha256: (d) => hash('sha256', d, 'buffer'),
  hmacSha256: (k, d) => createHmac('sha256', k).update(d).digest(),
  sha256Hex: (d) => hash('sha256', d, 'hex'),
};

const ROUNDS = 8;

/** Runs the case's verify for `ms` milliseconds; returns [ops, elapsed ms]. */
function spin(c, ms) {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) c.verify();
    ops += 100;
    elapsed = performance.now() - start;
  }
  return [ops, elapsed];
}

const cachedOptions = { region, service, now, resolveSecret, cache: new SigningKeyCache() };
const serverOptions = {
  ...cachedOptions,
  cache: new SigningKeyCache(undefined, nodeHash),
  hash: nodeHash,
};
const uncachedOptions = { region, service, now, resolveSecret };
const cases = [
  { name: 'node:crypto (baseline)', verify: nodeCryptoVerifier() },
  { name: 'cached', verify: () => verifyRequest(req, cachedOptions) },
  {
    // What xkslab serve runs (apps/xkslab/src/wiring.ts): verifyRequest and its signing key
    // cache both on node:crypto's hashes.
    name: 'cached, node:crypto hash',
    verify: () => verifyRequest(req, serverOptions),
  },
  { name: 'uncached', verify: () => verifyRequest(req, uncachedOptions) },
];
for (const c of cases) {
  const first = c.verify();
  if (!first.ok) throw new Error(`${c.name}: request does not verify (${first.reason})`);
  spin(c, 100); // warm-up
  c.ops = 0;
  c.ms = 0;
}
// Alternate short rounds so that noise from other processes hits both cases alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const [ops, ms] = spin(c, DURATION_MS / ROUNDS);
    c.ops += ops;
    c.ms += ms;
  }
}
const baseline = (cases[0].ops / cases[0].ms) * 1000;
const results = cases.map(({ name, ops, ms }) => {
  const opsPerSec = Math.round((ops / ms) * 1000);
  const usPerOp = (ms * 1000) / ops;
  const ratio = Number((opsPerSec / baseline).toFixed(3));
  console.log(
    `sigv4 verify ${name.padEnd(26)} ${opsPerSec.toLocaleString('en-US').padStart(8)} ops/s  ${usPerOp.toFixed(1).padStart(5)} us/op  ${ratio.toFixed(2)}x of node:crypto  (${ops} ops in ${Math.round(ms)} ms, ${body.length}-byte body)`,
  );
  return { name, opsPerSec, usPerOp: Number(usPerOp.toFixed(2)), ratio, ops, ms: Math.round(ms) };
});
const cpus = os.cpus();
const report = {
  benchmark: 'sigv4-verify',
  description:
    'verifyRequest ops/s on one XKS encrypt request (SigningKeyCache on and off) vs the same SigV4 check written directly on node:crypto with the signing key cached; rounds alternate between cases',
  date: new Date().toISOString(),
  machine: {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAvg: os.loadavg().map((x) => Number(x.toFixed(2))),
  },
  settings: { durationMs: DURATION_MS, rounds: ROUNDS, bodyBytes: body.length },
  results,
};
console.log(
  JSON.stringify({
    bench: 'sigv4.verifyRequest',
    bodyBytes: body.length,
    node: process.version,
    results,
  }),
);
const dir = new URL('../../../bench/results/', import.meta.url);
await mkdir(dir, { recursive: true });
await writeFile(new URL('sigv4-verify.json.tmp', dir), `${JSON.stringify(report, null, 2)}\n`);
await rename(new URL('sigv4-verify.json.tmp', dir), new URL('sigv4-verify.json', dir));
console.log(`wrote ${new URL('sigv4-verify.json', dir).pathname}`);
