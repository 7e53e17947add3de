/** Test helpers shared by the packages' tests: never used by the binary. */

/**
 * A deterministic byte source for tests: a counter-based stream (byte k of the stream is
 * (seed + k) mod 256), each call returning a fresh array. Predictable: tests only.
 */
export function sequenceRandom(seed = 0): (n: number) => Uint8Array {
  let next = seed;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (next + i) & 0xff;
    next += n;
    return out;
  };
}
