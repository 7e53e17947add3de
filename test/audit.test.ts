/**
 * The audit log: an entry for every XKS call, allowed or refused, with the right result; no
 * secrets or plaintext in it; `xkslab audit verify` catching an edited, a removed and a reordered
 * entry; `audit tail` and `audit query` reading it while the server runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encryptBody,
  healthPath,
  keyPath,
  newCredential,
  requestMetadata,
} from '@xkslab/conformance/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectXksError } from './support/assertions.ts';
import { MAIN_JS, runXkslab, startXkslab, waitFor, type XkslabServer } from './support/binary.ts';
import { useTempServers } from './support/fixture.ts';
import { type LabTargets, labSeed } from './support/lab-seed.ts';
import { sendXks } from './support/xks-client.ts';
import { decryptOk, encryptOk } from './support/xks-ops.ts';

type Entry = Record<string, unknown> & { seq: number; operation: string; result: string };

const lab = labSeed();
let server: XkslabServer;
let t: LabTargets;
let auditFile: string;
const { tempDir, start } = useTempServers();
const PLAINTEXT = Buffer.from('TOP-SECRET-PLAINTEXT-do-not-log-0123456789');
const AAD = Buffer.from('AAD-SHOULD-NOT-APPEAR-9876');
const ids = {
  health: randomUUID(),
  encrypt: randomUUID(),
  badSignature: randomUUID(),
  unknownKey: randomUUID(),
  disabled: randomUUID(),
};
const PRINCIPAL = 'arn:aws:iam::123456789012:role/audit-e2e';
let ciphertextB64 = '';

async function entries(): Promise<Entry[]> {
  const text = await readFile(auditFile, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
}

async function byRequest(id: string): Promise<Entry | undefined> {
  let found: Entry | undefined;
  for (let i = 0; i < 100 && !found; i++) {
    found = (await entries()).find((e) => e.kmsRequestId === id);
    if (!found) await new Promise((r) => setTimeout(r, 20));
  }
  return found;
}

beforeAll(async () => {
  server = await start({ seed: lab.seed });
  t = lab.targets(server.port);
  auditFile = join(server.dataDir, 'audit.log');
  const meta = (op: string, id: string) =>
    requestMetadata(op, { kmsRequestId: id, awsPrincipalArn: PRINCIPAL });

  const health = await sendXks(t.a, healthPath(t.a), {
    requestMetadata: { kmsRequestId: ids.health, kmsOperation: 'KmsHealthCheck' },
  });
  expect(health.status).toBe(200);

  const enc = await sendXks(t.a, keyPath(t.a, 'foo', 'encrypt'), {
    ...encryptBody({ plaintext: PLAINTEXT, aad: AAD }),
    requestMetadata: meta('Encrypt', ids.encrypt),
  });
  expect(enc.status, enc.text).toBe(200);
  ciphertextB64 = JSON.parse(enc.text).ciphertext;

  const wrongSecret = {
    ...t.a,
    credential: { ...t.a.credential, secretAccessKey: newCredential().secretAccessKey },
  };
  expectXksError(
    await sendXks(wrongSecret, keyPath(t.a, 'foo', 'encrypt'), {
      ...encryptBody({ plaintext: PLAINTEXT }),
      requestMetadata: meta('Encrypt', ids.badSignature),
    }),
    401,
    'AuthenticationFailedException',
  );
  expectXksError(
    await sendXks(t.a, keyPath(t.a, 'no-such-key', 'metadata'), {
      requestMetadata: meta('CreateKey', ids.unknownKey),
    }),
    404,
    'KeyNotFoundException',
  );
  expectXksError(
    await sendXks(t.a, keyPath(t.a, 'fixed-disabled', 'encrypt'), {
      ...encryptBody({ plaintext: PLAINTEXT }),
      requestMetadata: meta('Encrypt', ids.disabled),
    }),
    400,
    'InvalidStateException',
  );
});

describe('audit entries for XKS calls', () => {
  it('records an allowed call with its principal, key, credential and duration', async () => {
    const e = await byRequest(ids.encrypt);
    expect(e).toMatchObject({
      operation: 'Encrypt',
      result: 'ok',
      principal: PRINCIPAL,
      keyStore: 'a',
      keyId: 'foo',
      kmsOperation: 'Encrypt',
      accessKeyId: lab.credentials.a1.accessKeyId,
    });
    expect(typeof e?.durationMs).toBe('number');
    expect(e?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const health = await byRequest(ids.health);
    expect(health).toMatchObject({ operation: 'GetHealthStatus', result: 'ok', keyStore: 'a' });
    expect(health?.principal).toBeUndefined();
  });

  it('records refused calls with the error name', async () => {
    expect(await byRequest(ids.unknownKey)).toMatchObject({
      operation: 'GetKeyMetadata',
      result: 'KeyNotFoundException',
      keyId: 'no-such-key',
      principal: PRINCIPAL,
    });
    expect(await byRequest(ids.disabled)).toMatchObject({
      operation: 'Encrypt',
      result: 'InvalidStateException',
      keyId: 'fixed-disabled',
    });
    // A call that failed authentication is recorded, without the unauthenticated metadata.
    const all = await entries();
    const auth = all.filter((e) => e.result === 'AuthenticationFailedException');
    expect(auth).toHaveLength(1);
    expect(auth[0]).toMatchObject({ operation: 'Encrypt', keyStore: 'a', keyId: 'foo' });
    expect(auth[0]?.kmsRequestId).toBeUndefined();
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('never holds plaintext, AAD, ciphertext, secrets or signatures', async () => {
    const text = await readFile(auditFile, 'utf8');
    const forbidden = [
      PLAINTEXT.toString('base64'),
      PLAINTEXT.toString('utf8'),
      AAD.toString('base64'),
      AAD.toString('utf8'),
      ciphertextB64,
      lab.credentials.a1.secretAccessKey,
      lab.credentials.a2.secretAccessKey,
      lab.material.toString('base64'),
      'AWS4-HMAC-SHA256',
      'Signature=',
    ];
    for (const f of forbidden) expect(text.includes(f), f).toBe(false);
    const master = (await readFile(join(server.dataDir, 'master.key'), 'utf8')).trim();
    expect(text.includes(master)).toBe(false);
  });
});

describe('xkslab audit verify', () => {
  /** A data directory holding a copy of the server's log, edited by `edit`. */
  async function tampered(edit: (lines: string[]) => string[]): Promise<string> {
    const dir = await tempDir('audit-copy');
    const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean);
    await writeFile(join(dir, 'audit.log'), `${edit(lines).join('\n')}\n`);
    return dir;
  }

  it('says the chain is intact, while the server runs', async () => {
    const r = await runXkslab(['audit', 'verify', '--data-dir', server.dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^chain OK, \d+ entries \(head seq \d+, hash [0-9a-f]{64}\)\n$/);
  });

  it('names an edited entry', async () => {
    const dir = await tampered((ls) => {
      ls[2] = (ls[2] ?? '')
        .replace(/"result":"[^"]+"/, '"result":"ok"')
        .replace(/"keyStore":"a"/, '"keyStore":"b"');
      return ls;
    });
    const r = await runXkslab(['audit', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/chain BROKEN: first bad entry is seq 3 at line 3: .*edited/);
  });

  it('names the entry after a removed one', async () => {
    const dir = await tampered((ls) => [...ls.slice(0, 1), ...ls.slice(2)]);
    const r = await runXkslab(['audit', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/first bad entry is seq 3 at line 2: .*removed/);
  });

  it('names the first of two reordered entries', async () => {
    const dir = await tampered((ls) => [
      ls[0] as string,
      ls[2] as string,
      ls[1] as string,
      ...ls.slice(3),
    ]);
    const r = await runXkslab(['audit', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/first bad entry is seq 3 at line 2/);
  });

  it('names a last line cut in the middle', async () => {
    const dir = await tempDir('audit-cut');
    const text = await readFile(auditFile, 'utf8');
    await writeFile(join(dir, 'audit.log'), text.slice(0, text.length - 30));
    const r = await runXkslab(['audit', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/incomplete \(a truncated write\)/);
  });

  it('reports a missing log clearly', async () => {
    const dir = await tempDir('audit-none');
    const r = await runXkslab(['audit', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xkslab: no audit log at /);
  });
});

describe('xkslab audit tail and query', () => {
  it('tails the last entries as a table or JSON lines', async () => {
    const table = await runXkslab(['audit', 'tail', '-n', '3', '--data-dir', server.dataDir]);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^SEQ\s+TIME\s+OPERATION\s+RESULT/);
    expect(rows).toHaveLength(4);
    const json = await runXkslab([
      'audit',
      'tail',
      '-n',
      '2',
      '--json',
      '--data-dir',
      server.dataDir,
    ]);
    const lines = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.seq).toBe((lines[0]?.seq ?? 0) + 1);
  });

  it('queries by key, result, request id and time', async () => {
    const q = (...args: string[]) =>
      runXkslab(['audit', 'query', '--json', '--data-dir', server.dataDir, ...args]);
    const parse = (s: string) =>
      s
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Entry);
    const foo = parse((await q('--key', 'foo')).stdout);
    expect(foo.length).toBeGreaterThanOrEqual(2);
    expect(foo.every((e) => e.keyId === 'foo')).toBe(true);
    const fooOk = parse((await q('--key', 'foo', '--result', 'ok')).stdout);
    expect(fooOk.map((e) => e.kmsRequestId)).toContain(ids.encrypt);
    expect(fooOk.every((e) => e.result === 'ok')).toBe(true);
    const denied = parse((await q('--result', 'KeyNotFoundException')).stdout);
    expect(denied.map((e) => e.kmsRequestId)).toEqual([ids.unknownKey]);
    expect(parse((await q('--request-id', ids.disabled)).stdout)).toHaveLength(1);
    expect(parse((await q('--since', '2999-01-01T00:00:00Z')).stdout)).toHaveLength(0);
    expect(parse((await q('--until', '2000-01-01T00:00:00Z')).stdout)).toHaveLength(0);
    const table = await runXkslab([
      'audit',
      'query',
      '--data-dir',
      server.dataDir,
      '--key',
      'fixed-disabled',
    ]);
    expect(table.stdout).toContain('InvalidStateException');
    const bad = await runXkslab([
      'audit',
      'query',
      '--since',
      'yesterday',
      '--data-dir',
      server.dataDir,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: not an ISO 8601 time/);
  });

  it('follows new entries', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [MAIN_JS, 'audit', 'tail', '-n', '0', '--follow', '--json', '--data-dir', server.dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    try {
      // The child needs a moment to start: keep calling until one of the calls shows up.
      const sent: string[] = [];
      const seen = () => sent.find((id) => out.includes(id));
      for (let i = 0; i < 25 && !seen(); i++) {
        const id = randomUUID();
        sent.push(id);
        await sendXks(t.b, healthPath(t.b), {
          requestMetadata: { kmsRequestId: id, kmsOperation: 'KmsHealthCheck' },
        });
        await waitFor(() => out.includes(id), 400);
      }
      const id = seen();
      expect(id).toBeDefined();
      const line = out.split('\n').find((l) => l.includes(id ?? '-'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ kmsRequestId: id, keyStore: 'b' });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('keeps the chain across a restart', async () => {
    const dir = await tempDir('audit-restart');
    const seedLab = labSeed();
    const first = await startXkslab({ dataDir: dir, seed: seedLab.seed });
    const target = seedLab.targets(first.port).a;
    await encryptOk(target, 'foo', { plaintext: PLAINTEXT });
    await first.stop({ removeDataDir: false });
    const second = await startXkslab({ dataDir: dir });
    const out = await encryptOk(seedLab.targets(second.port).a, 'foo', { plaintext: PLAINTEXT });
    expect(await decryptOk(seedLab.targets(second.port).a, 'foo', out)).toEqual(PLAINTEXT);
    await second.stop({ removeDataDir: false });
    const r = await runXkslab(['audit', 'verify', '--data-dir', dir]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^chain OK, 3 entries/);
  });
});
