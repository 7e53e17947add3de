import { describe, expect, it } from 'vitest';
import { nodeEngine } from './engines/node-engine.ts';
import { createTestVcm, TEST_MASTER_KEY } from './testing/index.ts';
import { codeOf, setup, utf8 } from './vcm.test-support.ts';
import { Vcm } from './vcm.ts';

describe('Vcm sealed secrets', () => {
  it('round-trips, and fails for another context, another master key or any change', async () => {
    const { vcm, store } = await setup();
    const secret = utf8('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const sealed = vcm.sealSecret(secret, 'keystore/a/AKIA1');
    expect(sealed.length).toBe(12 + secret.length + 16);
    expect(vcm.openSecret(sealed, 'keystore/a/AKIA1')).toEqual(secret);
    expect(vcm.sealSecret(secret, 'keystore/a/AKIA1')).not.toEqual(sealed);
    expect(await codeOf(() => vcm.openSecret(sealed, 'keystore/a/AKIA2'))).toBe('CORRUPT_RECORD');
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = new Uint8Array(sealed);
      bad[i] = (bad[i] as number) ^ 0x20;
      expect(await codeOf(() => vcm.openSecret(bad, 'keystore/a/AKIA1'))).toBe('CORRUPT_RECORD');
    }
    expect(await codeOf(() => vcm.openSecret(sealed.subarray(0, 27), 'keystore/a/AKIA1'))).toBe(
      'CORRUPT_RECORD',
    );
    // The same master key on another Vcm opens it; a different master key cannot.
    const again = await Vcm.open({ store, engine: nodeEngine, masterKey: TEST_MASTER_KEY });
    expect(again.openSecret(sealed, 'keystore/a/AKIA1')).toEqual(secret);
    const foreign = await createTestVcm({ masterKey: new Uint8Array(32).fill(9) });
    expect(await codeOf(() => foreign.openSecret(sealed, 'keystore/a/AKIA1'))).toBe(
      'CORRUPT_RECORD',
    );
    expect(await codeOf(() => vcm.sealSecret('s' as never, 'c'))).toBe('INVALID_INPUT');
  });
});
