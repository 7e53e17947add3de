// Throughput of verifyRequest for a typical XKS encrypt call (~400-byte JSON body), with and
// without a SigningKeyCache. Run after `pnpm build` (imports ../dist). Prints one readable line
// per case and a closing JSON line.
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

const ROUNDS = 8;

/** Runs verifyRequest for `ms` milliseconds; returns [ops, elapsed ms]. */
function spin(options, ms) {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) verifyRequest(req, options);
    ops += 100;
    elapsed = performance.now() - start;
  }
  return [ops, elapsed];
}

const cases = [
  {
    name: 'cached',
    options: { region, service, now, resolveSecret, cache: new SigningKeyCache() },
  },
  { name: 'uncached', options: { region, service, now, resolveSecret } },
];
for (const c of cases) {
  const first = verifyRequest(req, c.options);
  if (!first.ok) throw new Error(`${c.name}: request does not verify (${first.reason})`);
  spin(c.options, 100); // warm-up
  c.ops = 0;
  c.ms = 0;
}
// Alternate short rounds so that noise from other processes hits both cases alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const [ops, ms] = spin(c.options, DURATION_MS / ROUNDS);
    c.ops += ops;
    c.ms += ms;
  }
}
const results = cases.map(({ name, ops, ms }) => {
  const opsPerSec = Math.round((ops / ms) * 1000);
  const usPerOp = (ms * 1000) / ops;
  console.log(
    `sigv4 verifyRequest ${name.padEnd(8)} ${opsPerSec.toLocaleString('en-US').padStart(8)} ops/s  ${usPerOp.toFixed(1).padStart(5)} us/op  (${ops} ops in ${Math.round(ms)} ms, ${body.length}-byte body)`,
  );
  return { name, opsPerSec, usPerOp: Number(usPerOp.toFixed(2)), ops, ms: Math.round(ms) };
});
console.log(
  JSON.stringify({
    bench: 'sigv4.verifyRequest',
    bodyBytes: body.length,
    node: process.version,
    results,
  }),
);
