/**
 * Crash safety: concurrent key creation and rotation (admin API) and encrypt/decrypt (XKS), the
 * server killed with SIGKILL at a random moment, restarted on the same data directory; every
 * acknowledged key must exist at (at least) its acknowledged version, every acknowledged
 * ciphertext must decrypt, every listed key must answer (nothing half-written), every answered
 * call (XKS by its kmsRequestId, key creations and rotations) must have its audit entry, and the
 * audit chain must verify. 20 cycles (5 in short mode).
 */
import { randomInt } from 'node:crypto';
import {
  type Body,
  decryptBody,
  encryptBody,
  keyPath,
  newCredential,
  type Sealed,
  sealedOf,
  type XksTarget,
  xksClient,
} from '@xkslab/conformance/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, startXkslab, type XkslabServer } from '../support/binary.ts';
import { adminClient, auditEntries, auditVerify, randomBuf, SHORT, sleep } from './support.ts';

const CYCLES = SHORT ? 5 : 20;
const MODULE = 'crash';
const PREFIX = '/crash/ks';
const REGION = 'eu-central-1';
const USAGE = ['ENCRYPT', 'DECRYPT'];

type AckedCiphertext = { keyId: string; sealed: Sealed; plaintext: Buffer; aad: Buffer };
/** What the server answered: XKS calls by kmsRequestId, key creations, rotations per key. */
type Answered = { requestIds: string[]; created: string[]; rotations: Map<string, number> };

const requestIdOf = (body: Body) => (body.requestMetadata as { kmsRequestId: string }).kmsRequestId;

/** The answered calls that have no entry in the audit log of `dataDir`. */
async function missingFromAudit(dataDir: string, answered: Answered): Promise<string[]> {
  const entries = await auditEntries(dataDir);
  const requestIds = new Set(entries.map((e) => e.kmsRequestId));
  const created = new Set<unknown>();
  const rotations = new Map<unknown, number>();
  for (const e of entries) {
    const op = String(e.operation);
    if (op === 'admin:POST /modules/{module}/keys') created.add(e.keyId);
    if (op === 'admin:POST /modules/{module}/keys/{keyId}/rotate') {
      rotations.set(e.keyId, (rotations.get(e.keyId) ?? 0) + 1);
    }
  }
  const missing = answered.requestIds.filter((id) => !requestIds.has(id)).map((id) => `xks ${id}`);
  for (const id of answered.created) if (!created.has(id)) missing.push(`create ${id}`);
  for (const [id, n] of answered.rotations) {
    const logged = rotations.get(id) ?? 0;
    if (logged < n) missing.push(`${n - logged} of ${n} rotations of ${id}`);
  }
  return missing;
}

describe('crash safety (SIGKILL at random moments)', () => {
  let dataDir: string | undefined;
  /** The server running now: stopped after a failed assertion too. */
  let running: XkslabServer | undefined;
  afterAll(async () => {
    await running?.stop({ removeDataDir: false });
    await removeDir(dataDir);
  });

  it(`keeps every acknowledged write across ${CYCLES} kill -9 cycles`, async () => {
    dataDir = await makeTempDir('crash');
    const credential = newCredential();
    const seed = {
      modules: [{ name: MODULE, nodes: 1, keys: [{ id: 'seed-key', usage: USAGE }] }],
      keyStores: [
        {
          name: 'crash',
          uriPathPrefix: PREFIX,
          region: REGION,
          module: MODULE,
          credentials: [credential],
        },
      ],
    };
    const ackedKeys = new Set<string>(['seed-key']);
    const ackedVersion = new Map<string, number>();
    const ackedCiphertexts: AckedCiphertext[] = [];
    const answered: Answered = { requestIds: [], created: [], rotations: new Map() };
    const failures: string[] = [];
    let created = 0;
    let rotations = 0;
    let encrypts = 0;
    let verifiedDecrypts = 0;
    let auditVerified = 0;

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const server: XkslabServer = await startXkslab({
        dataDir,
        ...(cycle === 0 ? { seed } : {}),
        extraArgs: ['--module-timeout-ms', '5000'],
      });
      running = server;
      const target: XksTarget = { port: server.port, prefix: PREFIX, region: REGION, credential };
      const xks = xksClient(target);
      const admin = await adminClient(dataDir, server.port);

      // ---- verify what was acknowledged before the last kill ---------------------------------
      if (cycle > 0) {
        const missing = await missingFromAudit(dataDir, answered);
        expect(missing, `answered before the kill of cycle ${cycle - 1}, not audited`).toEqual([]);
        const audit = await auditVerify(dataDir);
        if (audit.ran) {
          expect(audit.ok, `audit verify after cycle ${cycle}: ${audit.output}`).toBe(true);
          auditVerified++;
        }
        for (const keyId of ackedKeys) {
          const res = await xks.metadata(keyId);
          expect(res.status, `acknowledged key ${keyId}: ${res.text}`).toBe(200);
        }
        if (admin) {
          for (const [keyId, version] of ackedVersion) {
            const res = await admin('GET', `/modules/${MODULE}/keys/${keyId}`);
            expect(res.status, res.text).toBe(200);
            const current = (res.json as { currentVersion: number }).currentVersion;
            expect(
              current,
              `key ${keyId} acknowledged at version ${version}`,
            ).toBeGreaterThanOrEqual(version);
          }
          // Nothing partial: every key the module lists answers metadata and is a whole record.
          const listed = await admin('GET', `/modules/${MODULE}/keys?limit=1000`);
          expect(listed.status, listed.text).toBe(200);
          for (const key of (listed.json as { keys: Array<{ id: string }> }).keys) {
            const res = await xks.metadata(key.id);
            expect(res.status, `listed key ${key.id}: ${res.text}`).toBe(200);
          }
        }
        // Every ciphertext from the last cycle, and a random sample of older ones.
        const recent = ackedCiphertexts.filter((_, i) => i >= ackedCiphertexts.length - 300);
        const older = ackedCiphertexts.slice(0, Math.max(0, ackedCiphertexts.length - 300));
        const sample = [...recent, ...older.filter(() => Math.random() < 0.1)];
        for (const c of sample) {
          const res = await xks.decrypt(c.keyId, c.sealed, c.aad);
          expect(res.status, `acknowledged ciphertext under ${c.keyId}: ${res.text}`).toBe(200);
          const plaintext = Buffer.from((res.json as { plaintext: string }).plaintext, 'base64');
          expect(plaintext.equals(c.plaintext)).toBe(true);
          verifiedDecrypts++;
        }
      }

      // ---- concurrent load, then kill -9 at a random moment -----------------------------------
      let killed = false;
      const guard = async (what: string, work: () => Promise<void>) => {
        while (!killed) {
          try {
            await work();
          } catch (e) {
            if (!killed) failures.push(`${what} before the kill: ${String(e)}`);
            return;
          }
        }
      };
      const keyList = () => [...ackedKeys];
      let n = 0;
      const workers = [
        guard('create', async () => {
          if (!admin) {
            await sleep(50);
            return;
          }
          const id = `c${cycle}-${n++}`;
          const res = await admin('POST', `/modules/${MODULE}/keys`, { id, usage: USAGE });
          if (res.status === 201) {
            answered.created.push(id);
            ackedKeys.add(id);
            created++;
          } else if (!killed) failures.push(`create ${id}: ${res.status} ${res.text}`);
        }),
        guard('rotate', async () => {
          if (!admin) {
            await sleep(50);
            return;
          }
          const keys = keyList();
          const keyId = keys[randomInt(keys.length)] as string;
          const res = await admin('POST', `/modules/${MODULE}/keys/${keyId}/rotate`);
          if (res.status === 200) {
            ackedVersion.set(keyId, (res.json as { currentVersion: number }).currentVersion);
            answered.rotations.set(keyId, (answered.rotations.get(keyId) ?? 0) + 1);
            rotations++;
          } else if (!killed) failures.push(`rotate ${keyId}: ${res.status} ${res.text}`);
        }),
        ...[1, 2].map((w) =>
          guard(`crypto-${w}`, async () => {
            const keys = keyList();
            const keyId = keys[randomInt(keys.length)] as string;
            const plaintext = randomBuf(1 + randomInt(300));
            const aad = randomBuf(randomInt(64));
            const body = encryptBody({ plaintext, aad });
            const res = await xks.post(keyPath(target, keyId, 'encrypt'), body);
            if (res.status === 200) {
              answered.requestIds.push(requestIdOf(body));
              const sealed = sealedOf(res);
              ackedCiphertexts.push({ keyId, sealed, plaintext, aad });
              encrypts++;
              const backBody = decryptBody(sealed, aad);
              const back = await xks.post(keyPath(target, keyId, 'decrypt'), backBody);
              if (back.status === 200) answered.requestIds.push(requestIdOf(backBody));
              else if (!killed) {
                failures.push(`decrypt right after encrypt: ${back.status} ${back.text}`);
              }
            } else if (!killed) failures.push(`encrypt ${keyId}: ${res.status} ${res.text}`);
          }),
        ),
      ];
      await sleep(100 + randomInt(1400));
      killed = true;
      server.child.kill('SIGKILL');
      await Promise.all(workers);
      await server.stop({ removeDataDir: false });
    }
    // A last start: the final cycle's writes must be there too.
    const final = await startXkslab({ dataDir });
    running = final;
    const xks = xksClient({ port: final.port, prefix: PREFIX, region: REGION, credential });
    for (const keyId of ackedKeys) expect((await xks.metadata(keyId)).status).toBe(200);
    await final.stop({ removeDataDir: false });
    expect(await missingFromAudit(dataDir, answered), 'answered, not audited').toEqual([]);
    const audit = await auditVerify(dataDir);
    if (audit.ran) expect(audit.ok, audit.output).toBe(true);

    console.log(
      `crash: ${CYCLES} cycles, ${created} keys created, ${rotations} rotations, ${encrypts} encrypts acknowledged, ${verifiedDecrypts} decrypts verified after restarts, ${answered.requestIds.length} answered XKS calls found in the audit log, audit verified ${auditVerified + (audit.ran ? 1 : 0)} times`,
    );
    expect(failures).toEqual([]);
    expect(encrypts).toBeGreaterThan(0);
  });
});
