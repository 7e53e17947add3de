import type { LatencyDistribution } from '@xkslab/protocol';

/** The longest delay a rule can add (the schema refuses larger parameters; draws are clamped). */
export const MAX_FAULT_DELAY_MS = 60_000;

/**
 * One draw of a delay, in ms: fixed, normal (Box-Muller over two uniform draws) or uniform;
 * negative draws become 0. `random` returns values in [0, 1).
 */
export function sampleDelay(d: LatencyDistribution, random: () => number): number {
  let ms: number;
  switch (d.type) {
    case 'fixed':
      ms = d.ms;
      break;
    case 'uniform':
      ms = d.min + random() * (d.max - d.min);
      break;
    case 'normal': {
      const u1 = 1 - random();
      const u2 = random();
      ms = d.mean + d.sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      break;
    }
  }
  return Math.min(MAX_FAULT_DELAY_MS, Math.max(0, Math.round(ms)));
}
