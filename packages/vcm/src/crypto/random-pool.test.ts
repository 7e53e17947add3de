import { describe, expect, it } from 'vitest';
import { pooledRandom } from './random-pool.ts';

describe('pooledRandom', () => {
  it('hands every source byte out once, in order, and wipes it in the block', () => {
    const blocks: Uint8Array[] = [];
    let next = 1;
    const source = (n: number) => {
      const b = Uint8Array.from({ length: n }, () => next++ & 0xff);
      blocks.push(b);
      return b;
    };
    const random = pooledRandom(source, 16);
    const a = random(12);
    const b = random(12); // does not fit: a new block
    expect([...a]).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect([...b]).toEqual(Array.from({ length: 12 }, (_, i) => i + 17));
    expect(blocks).toHaveLength(2);
    expect([...(blocks[0] as Uint8Array)]).toEqual(new Array(16).fill(0));
    expect([...(blocks[1] as Uint8Array).subarray(0, 12)]).toEqual(new Array(12).fill(0));
  });

  it('returns fresh arrays of the asked length, and large asks straight from the source', () => {
    const random = pooledRandom((n) => new Uint8Array(n).fill(7), 8);
    const x = random(4);
    x.fill(1);
    expect([...random(4)]).toEqual([7, 7, 7, 7]);
    expect(random(100)).toHaveLength(100);
    expect(random(0)).toHaveLength(0);
  });
});
