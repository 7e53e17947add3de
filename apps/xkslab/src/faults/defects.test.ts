import { DEFECT_NAMES, FaultRuleInput } from '@xkslab/protocol';
import type { VerifyResult } from '@xkslab/sigv4';
import { VcmError } from '@xkslab/vcm';
import { describe, expect, it } from 'vitest';
import { XksError } from '../xks/errors.ts';
import { DEFECTS } from './defect-table.ts';
import {
  authWithDefect,
  errorWithDefect,
  jsonHeaders,
  refuseByDefect,
  resultWithFaults,
  servesRefusal,
} from './defects.ts';
import type { RequestFaults } from './fault-plan.ts';
import { FaultPlan } from './fault-plan.ts';
import { enableScenario, SCENARIOS } from './scenarios.ts';

const none: RequestFaults = {
  defect: undefined,
  drop: false,
  error: undefined,
  throttled: false,
  clockOffsetMs: 0,
  moduleDelayMs: 0,
  responseDelayMs: 0,
  health: [],
  bitflip: undefined,
};
const ENCRYPTED = {
  ciphertext: Buffer.from('0123456789').toString('base64'),
  initializationVector: Buffer.alloc(12, 1).toString('base64'),
  authenticationTag: Buffer.alloc(16, 0xfb).toString('base64'),
  ciphertextMetadata: 'AQAAAAE=',
};

function refused(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof XksError ? e.errorName : 'other';
  }
}

describe('defect profiles', () => {
  it('describe every defect with the check that catches it', () => {
    expect(Object.keys(DEFECTS).sort()).toEqual([...DEFECT_NAMES].sort());
    for (const d of Object.values(DEFECTS))
      expect(d.caughtBy).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
  });

  it('change successful answers', () => {
    const with_ = (defect: RequestFaults['defect'], body: object) =>
      resultWithFaults({ ...none, defect }, body);
    const urlsafe = with_('urlsafe-base64', ENCRYPTED);
    // 16 bytes of 0xfb: '+/v7+/v7+/v7+/v7+/v7+w==' in standard Base64
    expect(urlsafe.authenticationTag).toBe('-_v7-_v7-_v7-_v7-_v7-w');
    expect(
      Buffer.from(String(with_('iv-8-bytes', ENCRYPTED).initializationVector), 'base64'),
    ).toHaveLength(8);
    expect(
      Buffer.from(String(with_('tag-15-bytes', ENCRYPTED).authenticationTag), 'base64'),
    ).toHaveLength(15);
    expect(Buffer.from(String(with_('tag-appended', ENCRYPTED).ciphertext), 'base64')).toHaveLength(
      26,
    );
    expect(
      Buffer.from(String(with_('metadata-oversized', ENCRYPTED).ciphertextMetadata), 'base64'),
    ).toHaveLength(24);
    expect(with_('key-spec-wrong', { keySpec: 'AES_256' }).keySpec).toBe('RSA_0');
    expect(with_('disabled-served', { keyStatus: 'DISABLED' }).keyStatus).toBe('ENABLED');
    expect(with_('fleet-empty', { ekmFleetDetails: [{ id: 'x' }] }).ekmFleetDetails).toEqual([]);
    expect(with_(undefined, ENCRYPTED)).toEqual(ENCRYPTED);
  });

  it('flip one bit after the fact and override fleet states', () => {
    const flipped = resultWithFaults({ ...none, bitflip: 'ciphertext' }, ENCRYPTED);
    expect(Buffer.from(String(flipped.ciphertext), 'base64').toString()).toBe('1123456789');
    const fleet = {
      ekmFleetDetails: [
        { id: 'm-node-1', healthStatus: 'ACTIVE' },
        { id: 'm-node-2', healthStatus: 'ACTIVE' },
      ],
    };
    const out = resultWithFaults(
      {
        ...none,
        health: [
          { nodes: ['node-2'], status: 'DEGRADED' },
          { nodes: ['m-node-2'], status: 'UNAVAILABLE' },
        ],
      },
      fleet,
    );
    expect(out.ekmFleetDetails).toEqual([
      { id: 'm-node-1', healthStatus: 'ACTIVE' },
      { id: 'm-node-2', healthStatus: 'UNAVAILABLE' },
    ]);
  });

  it('refuse requests a conforming proxy accepts', () => {
    const body = (md: object, extra: object = {}) => ({
      requestMetadata: { kmsRequestId: 'x', kmsOperation: 'Encrypt', ...md },
      plaintext: 'AAAA',
      ...extra,
    });
    expect(
      refused(() => refuseByDefect('unknown-operation-rejected', body({ kmsOperation: 'Future' }))),
    ).toBe('ValidationException');
    expect(refused(() => refuseByDefect('unknown-operation-rejected', body({})))).toBeUndefined();
    expect(refused(() => refuseByDefect('unknown-fields-rejected', body({}, { extra: 1 })))).toBe(
      'ValidationException',
    );
    expect(
      refused(() => refuseByDefect('unknown-fields-rejected', body({ SourceIdentity: 'x' }))),
    ).toBe('ValidationException');
    expect(refused(() => refuseByDefect('request-id-validated', body({})))).toBe(
      'ValidationException',
    );
    expect(
      refused(() =>
        refuseByDefect(
          'request-id-validated',
          body({ kmsRequestId: '3f0c8a9e-1b2c-4d5e-8f90-123456789abc' }),
        ),
      ),
    ).toBeUndefined();
    const big = Buffer.alloc(4097).toString('base64');
    expect(refused(() => refuseByDefect('max-size-rejected', body({}, { plaintext: big })))).toBe(
      'UnsupportedOperationException',
    );
    expect(refused(() => refuseByDefect('pretty-json', 'not an object'))).toBeUndefined();
  });

  it('bend SigV4 verification', () => {
    const ok: VerifyResult = { ok: true, accessKeyId: 'SECOND' };
    const skew: VerifyResult = { ok: false, reason: 'CLOCK_SKEW', detail: '' };
    const bad: VerifyResult = { ok: false, reason: 'SIGNATURE_MISMATCH', detail: '' };
    const headers = {
      authorization: `AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms-xks-proxy/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`,
    };
    expect(authWithDefect('sigv4-unchecked', () => bad, headers, 'FIRST')).toEqual({
      ok: true,
      accessKeyId: 'FIRST',
    });
    let skews: Array<number | undefined> = [];
    const verify = (max?: number) => {
      skews.push(max);
      return max === undefined ? skew : ok;
    };
    expect(authWithDefect('skew-unchecked', verify, headers, 'FIRST')).toEqual(ok);
    expect(skews).toEqual([undefined, Number.POSITIVE_INFINITY]);
    skews = [];
    expect(authWithDefect('second-credential-ignored', () => ok, headers, 'FIRST').ok).toBe(false);
    expect(authWithDefect('curl-signing-rejected', () => ok, headers, 'FIRST').ok).toBe(false);
    expect(authWithDefect(undefined, () => ok, headers, 'FIRST')).toBe(ok);
  });

  it('bend error answers', () => {
    const wire = { status: 404, body: '{"errorName":"KeyNotFoundException","errorMessage":"x"}' };
    expect(errorWithDefect('wrong-status', 'KeyNotFoundException', wire).status).toBe(400);
    expect(errorWithDefect('error-without-json', 'KeyNotFoundException', wire)).toEqual({
      status: 404,
      body: 'KeyNotFoundException',
      headers: { 'content-type': 'text/plain' },
    });
    expect(
      JSON.parse(errorWithDefect('error-message-unsafe', 'KeyNotFoundException', wire).body)
        .errorMessage.length,
    ).toBeGreaterThan(511);
    expect(errorWithDefect('pretty-json', 'KeyNotFoundException', wire).body).toContain('\n');
    expect(errorWithDefect('missing-content-type', 'KeyNotFoundException', wire).headers).toEqual(
      {},
    );
    expect(errorWithDefect(undefined, 'KeyNotFoundException', wire)).toEqual({
      ...wire,
      headers: { 'content-type': 'application/json' },
    });
  });

  it('serve module refusals only under their defect', () => {
    const usage = new VcmError('INVALID_KEY_USAGE', 'no');
    const disabled = new VcmError('KEY_DISABLED', 'no');
    expect(servesRefusal('usage-unenforced', usage)).toBe(true);
    expect(servesRefusal('usage-unenforced', disabled)).toBe(false);
    expect(servesRefusal('disabled-served', disabled)).toBe(true);
    expect(servesRefusal(undefined, usage)).toBe(false);
  });
});

describe('answer defects of the hygiene and transport checks', () => {
  it('short-plaintext-padded pads ciphertexts under 16 bytes only', () => {
    const short = resultWithFaults({ ...none, defect: 'short-plaintext-padded' }, ENCRYPTED);
    expect(Buffer.from(short.ciphertext as string, 'base64')).toHaveLength(16);
    const long = { ...ENCRYPTED, ciphertext: Buffer.alloc(40).toString('base64') };
    const same = resultWithFaults({ ...none, defect: 'short-plaintext-padded' }, long);
    expect(same.ciphertext).toBe(long.ciphertext);
  });

  it('keep-alive-refused closes the connection with every answer', () => {
    expect(jsonHeaders('keep-alive-refused')).toEqual({
      'content-type': 'application/json',
      connection: 'close',
    });
    expect(jsonHeaders(undefined)).toEqual({ 'content-type': 'application/json' });
  });
});

describe('scenarios', () => {
  it('are valid rules', () => {
    for (const [name, s] of Object.entries(SCENARIOS)) {
      expect(s.rules.length, name).toBeGreaterThan(0);
      for (const rule of s.rules) expect(FaultRuleInput.safeParse(rule).success, name).toBe(true);
    }
  });

  it('enable with ids NAME:n, merge a scope, and replace their earlier rules', () => {
    const plan = new FaultPlan({ clock: () => new Date(), random: () => 0.5 });
    const rules = enableScenario(plan, 'key-disabled-in-ekm', { scope: { keyId: 'foo' } });
    expect(rules?.map((r) => [r.id, r.kind === 'error' && r.scope])).toEqual([
      ['key-disabled-in-ekm:1', { keyId: 'foo', operation: 'Encrypt' }],
      ['key-disabled-in-ekm:2', { keyId: 'foo', operation: 'Decrypt' }],
    ]);
    enableScenario(plan, 'key-disabled-in-ekm');
    expect(plan.list()).toHaveLength(2);
    expect(plan.forRequest('a', 'bar', 'Encrypt')?.error).toBe('InvalidStateException');
    expect(enableScenario(plan, 'nope')).toBeUndefined();
  });
});
