/** The judgement of the hygiene, deadline and transport checks on crafted answers. */
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../context.ts';
import { parseResponse } from '../raw-http.ts';
import { confirmVerdict, judgeDeadline, operationOf, slowestPerOperation } from './deadline.ts';
import { metadataTampers, nonceProblem, sizeProblem } from './hygiene.ts';
import { answerProblem, slowBesideProblem } from './transport.ts';

const b64 = (n: number, fill = 0) => Buffer.alloc(n, fill).toString('base64');
const answer = (over: Record<string, string> = {}) => ({
  ciphertext: b64(32, 1),
  initializationVector: b64(12, 2),
  authenticationTag: b64(16, 3),
  ...over,
});

describe('crypto.nonce-unique', () => {
  it('passes distinct IVs, ciphertexts and tags', () => {
    const answers = [1, 2, 3].map((i) =>
      answer({
        ciphertext: b64(32, i),
        initializationVector: b64(12, i),
        authenticationTag: b64(16, i),
      }),
    );
    expect(nonceProblem(answers)).toBeUndefined();
  });

  it('counts a repeated IV even when ciphertexts differ', () => {
    const answers = [1, 2, 3].map((i) =>
      answer({ ciphertext: b64(32, i), authenticationTag: b64(16, i) }),
    );
    expect(nonceProblem(answers)).toMatch(
      /3 encrypts .*: 2 repeated IVs, 0 repeated ciphertexts, 0 repeated tags/,
    );
  });

  it('flags a cached answer (everything repeats)', () => {
    expect(nonceProblem([answer(), answer()])).toContain(
      '1 repeated IVs, 1 repeated ciphertexts, 1 repeated tags',
    );
  });
});

describe('crypto.gcm-sizes', () => {
  it('passes AES-GCM sizes (IV 12 or 16)', () => {
    expect(sizeProblem(32, answer())).toBeUndefined();
    expect(
      sizeProblem(32, answer({ initializationVector: b64(16), ciphertextMetadata: b64(20) })),
    ).toBeUndefined();
  });

  it.each([
    ['a padded ciphertext', answer({ ciphertext: b64(48) }), 'ciphertext 48 bytes (must be 32)'],
    ['an 8-byte IV', answer({ initializationVector: b64(8) }), 'IV 8 bytes'],
    ['a 12-byte tag', answer({ authenticationTag: b64(12) }), 'tag 12 bytes'],
    [
      '21 bytes of metadata',
      answer({ ciphertextMetadata: b64(21) }),
      'ciphertextMetadata 21 bytes',
    ],
  ])('names %s', (_what, a, text) => {
    expect(sizeProblem(32, a)).toContain(text);
  });
});

describe('crypto.metadata-bound', () => {
  it('makes four different changes, each with a different decoded value', () => {
    const md = Buffer.from([1, 0, 0, 0, 7]).toString('base64');
    const changed = metadataTampers(md).map(([, v]) => v);
    expect(new Set([md, ...changed]).size).toBe(5);
    expect(Buffer.from(changed[0] as string, 'base64')).toHaveLength(6);
    expect(Buffer.from(changed[1] as string, 'base64')).toHaveLength(4);
  });
});

const ex = (path: string, durationMs: number, timed = true, checkId = 'c'): Exchange => ({
  checkId,
  method: 'POST',
  path,
  status: 200,
  contentType: 'application/json',
  text: '{}',
  durationMs,
  runnerStallMs: 0,
  timed,
});

describe('latency.every-answer', () => {
  it('knows the operation of a path', () => {
    expect(operationOf('/p/kms/xks/v1/keys/foo/encrypt')).toBe('encrypt');
    expect(operationOf('/kms/xks/v1/health')).toBe('health');
    expect(operationOf('/kms/xks/v1/other')).toBe('other');
  });

  it('passes when every answer is in time and reports the slowest per operation', () => {
    const v = judgeDeadline([ex('/h/health', 3), ex('/k/encrypt', 9), ex('/k/encrypt', 12)]);
    expect(v.ok).toBe(true);
    expect(v.message).toBe(
      '3 answers within 250 ms; slowest per operation: encrypt 12 ms (c), health 3 ms (c)',
    );
  });

  it('fails on one answer over 250 ms among many fast ones, naming it', () => {
    const fast = Array.from({ length: 99 }, () => ex('/k/decrypt', 2));
    const v = judgeDeadline([...fast, ex('/k/metadata', 251, true, 'sigv4.x')]);
    expect(v.ok).toBe(false);
    expect(v.message).toContain('1 of 100 answers slower than');
    expect(v.message).toContain('metadata 251 ms (sigv4.x)');
  });

  it("does not count the runner's own stalls against the proxy", () => {
    const stalled = { ...ex('/k/encrypt', 400), runnerStallMs: 300 };
    const v = judgeDeadline([stalled]);
    expect(v).toEqual({
      ok: true,
      message:
        '1 answers within 250 ms; slowest per operation: encrypt 100 ms (c) (runner stalls of 300 ms not counted)',
    });
    expect(judgeDeadline([{ ...stalled, runnerStallMs: 100 }]).ok).toBe(false);
  });

  it('leaves out untimed answers (a 2 MiB body)', () => {
    expect(judgeDeadline([ex('/k/encrypt', 900, false), ex('/k/encrypt', 5)]).ok).toBe(true);
  });

  it('counts a slow answer when the proxy is slow again on a re-try, not when it is not', () => {
    const again = confirmVerdict('1 of 9 answers slower', [
      { operation: 'encrypt', ms: 3 },
      { operation: 'encrypt', ms: 412 },
    ]);
    expect(again).toEqual({
      ok: false,
      message: '1 of 9 answers slower; again 1 of 2 re-tried calls (up to 412 ms)',
    });
    const stall = confirmVerdict('1 of 9 answers slower', [{ operation: 'encrypt', ms: 3 }]);
    expect(stall.ok).toBe(true);
    expect(stall.message).toContain('not again in 1 re-tried calls');
  });

  it('counts answers per operation', () => {
    expect(
      slowestPerOperation([ex('/a/encrypt', 1), ex('/a/encrypt', 5), ex('/a/encrypt', 2)]),
    ).toEqual([{ operation: 'encrypt', ms: 5, checkId: 'c', count: 3 }]);
  });
});

describe('raw HTTP/1.1 answers (transport.*)', () => {
  const http = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');

  it('reads two answers from one buffer, Content-Length then chunked', () => {
    const buf = Buffer.concat([
      http('HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: 2\n\n{}'),
      http('HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n3\n{"a\n4\n":1}\n0\n\n'),
    ]);
    const first = parseResponse(buf);
    expect(first?.response.body.toString()).toBe('{}');
    const second = parseResponse(first?.rest ?? Buffer.alloc(0));
    expect(second?.response.body.toString()).toBe('{"a":1}');
    expect(second?.rest).toHaveLength(0);
  });

  it('fails calls beside slow connections when more than one is over 250 ms', () => {
    expect(slowBesideProblem([3, 4, 260, 5], 12)).toBeUndefined();
    expect(slowBesideProblem([3, 420, 260, 5], 12)).toBe(
      '2 of 4 calls beside 12 slow connections took over 250 ms (up to 420 ms): KMS gives up on them',
    );
  });

  it('waits for the rest of an incomplete answer', () => {
    expect(parseResponse(http('HTTP/1.1 200 OK\ncontent-length: 10\n\n{}'))).toBeUndefined();
  });

  it('judges an answer by the field its request must get back', () => {
    const call = { path: '/x/health', body: {}, expect: 'ekmFleetDetails' };
    const ok = { status: 200, headers: {}, body: Buffer.from('{"ekmFleetDetails":[]}') };
    expect(answerProblem(call, ok)).toBeUndefined();
    const swapped = { status: 200, headers: {}, body: Buffer.from('{"keySpec":"AES_256"}') };
    expect(answerProblem(call, swapped)).toContain('does not belong to this request');
    const refused = {
      status: 401,
      headers: {},
      body: Buffer.from('{"errorName":"AuthenticationFailedException"}'),
    };
    expect(answerProblem(call, refused)).toBe('401 AuthenticationFailedException');
  });
});
