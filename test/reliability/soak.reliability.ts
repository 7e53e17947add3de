/**
 * Soak: a steady rate of encrypt + decrypt for 10 minutes (30 s in short mode) while keys are
 * rotated (admin API, every 2 s) and the key store's credential is rotated (a new one added, the
 * client switched to it, the old one revoked, every 5 s). Zero errors; resident memory sampled
 * every 5 s must not keep growing (end within 1.5x of the post-warm-up sample + 32 MiB).
 * XKSLAB_SOAK_SECONDS overrides the length.
 */
import { randomInt } from 'node:crypto';
import { Agent } from 'node:http';
import { newCredential, sealedOf, type XksTarget, xksClient } from '@xkslab/conformance/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startXkslab, type XkslabServer } from '../support/binary.ts';
import type { Credential } from '../support/credentials.ts';
import { adminClient, randomBuf, rssMiB, SHORT, sleep } from './support.ts';

const SECONDS = Number(process.env.XKSLAB_SOAK_SECONDS ?? (SHORT ? 30 : 600));
const RATE = 200; // operations per second (each an encrypt followed by its decrypt: 2 requests)
const KEYS = ['s0', 's1', 's2', 's3'];
const PREFIX = '/soak/ks';
const REGION = 'ca-central-1';

describe('soak', () => {
  let server: XkslabServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it(`serves ${RATE} encrypt+decrypt/s for ${SECONDS} s with rotations and zero errors`, async () => {
    const first = newCredential();
    server = await startXkslab({
      seed: {
        modules: [
          { name: 'soak', keys: KEYS.map((id) => ({ id, usage: ['ENCRYPT', 'DECRYPT'] })) },
        ],
        keyStores: [
          {
            name: 'soak',
            uriPathPrefix: PREFIX,
            region: REGION,
            module: 'soak',
            credentials: [first],
          },
        ],
      },
    });
    const srv = server;
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const target: XksTarget = { port: srv.port, prefix: PREFIX, region: REGION, credential: first };
    const xks = xksClient(target, { agent });
    const admin = await adminClient(srv.dataDir, srv.port);
    let credential: Credential = first;
    const errors: string[] = [];
    let ops = 0;
    let keyRotations = 0;
    let credentialRotations = 0;
    const rss: number[] = [];
    const deadline = Date.now() + SECONDS * 1000;

    /** Requests in flight per access key id: a credential is revoked once its own have drained. */
    const inflight = new Map<string, number>();
    const one = async () => {
      const keyId = KEYS[randomInt(KEYS.length)] as string;
      const plaintext = randomBuf(200);
      const aad = randomBuf(64);
      const cred = credential;
      inflight.set(cred.accessKeyId, (inflight.get(cred.accessKeyId) ?? 0) + 1);
      try {
        const enc = await xks.encrypt(keyId, plaintext, aad, cred);
        if (enc.status !== 200) throw new Error(`encrypt ${enc.status} ${enc.text}`);
        const dec = await xks.decrypt(keyId, sealedOf(enc), aad, cred);
        if (dec.status !== 200) throw new Error(`decrypt ${dec.status} ${dec.text}`);
        const back = Buffer.from((dec.json as { plaintext: string }).plaintext, 'base64');
        if (!back.equals(plaintext)) throw new Error('decrypt returned other bytes');
        ops++;
      } catch (e) {
        const which = cred === credential ? 'current' : 'previous';
        if (errors.length < 20) errors.push(`${String(e)} (${which} credential)`);
        else errors.push('...');
      } finally {
        inflight.set(cred.accessKeyId, (inflight.get(cred.accessKeyId) ?? 1) - 1);
      }
    };

    const load = (async () => {
      const inflight = new Set<Promise<void>>();
      const start = performance.now();
      let sent = 0;
      while (Date.now() < deadline) {
        const due = Math.floor(((performance.now() - start) * RATE) / 1000);
        while (sent < due) {
          const p = one().finally(() => inflight.delete(p));
          inflight.add(p);
          sent++;
        }
        await sleep(5);
      }
      await Promise.all(inflight);
    })();
    const rotateKeys = (async () => {
      if (!admin) return;
      while (Date.now() < deadline) {
        await sleep(2000);
        const keyId = KEYS[randomInt(KEYS.length)] as string;
        const res = await admin('POST', `/modules/soak/keys/${keyId}/rotate`);
        if (res.status === 200) keyRotations++;
        else errors.push(`rotate: ${res.status} ${res.text}`);
      }
    })();
    const rotateCredentials = (async () => {
      if (!admin) return;
      while (Date.now() < deadline) {
        await sleep(5000);
        const added = await admin('POST', '/keystores/soak/credentials');
        if (added.status !== 201) {
          errors.push(`add credential: ${added.status} ${added.text}`);
          continue;
        }
        const old = credential;
        const body = added.json as Credential & { credential?: Credential };
        const next = body.credential ?? body;
        credential = { accessKeyId: next.accessKeyId, secretAccessKey: next.secretAccessKey };
        // As a KMS key store update would: the old credential goes once nothing uses it any more
        // (however long its requests take on a loaded machine; each one ends, answered or not).
        while ((inflight.get(old.accessKeyId) ?? 0) > 0) await sleep(10);
        const revoked = await admin('DELETE', `/keystores/soak/credentials/${old.accessKeyId}`);
        if (revoked.status === 200) credentialRotations++;
        else errors.push(`revoke credential: ${revoked.status} ${revoked.text}`);
      }
    })();
    const sampleRss = (async () => {
      while (Date.now() < deadline) {
        rss.push(await rssMiB(srv.child.pid));
        await sleep(5000);
      }
      rss.push(await rssMiB(srv.child.pid));
    })();
    await Promise.all([load, rotateKeys, rotateCredentials, sampleRss]);
    agent.destroy();

    const warm = rss[Math.min(1, rss.length - 1)] as number;
    const end = rss[rss.length - 1] as number;
    console.log(
      `soak: ${SECONDS} s, ${ops} encrypt+decrypt pairs (${Math.round(ops / SECONDS)}/s), ${keyRotations} key rotations, ${credentialRotations} credential rotations, RSS start ${rss[0]?.toFixed(1)} MiB, after warm-up ${warm.toFixed(1)} MiB, end ${end.toFixed(1)} MiB, max ${Math.max(...rss).toFixed(1)} MiB`,
    );
    expect(errors).toEqual([]);
    expect(ops).toBeGreaterThan(RATE * SECONDS * 0.8);
    expect(end).toBeLessThan(warm * 1.5 + 32);
    if (admin) {
      expect(keyRotations).toBeGreaterThan(0);
      expect(credentialRotations).toBeGreaterThan(0);
    }
  });
});
