import type { FaultRule } from '@xkslab/protocol';
import { shorten, when } from '../../layout.tsx';

/**
 * One line saying what a rule does, for people. `short` shortens the key store and key it names
 * (for a table or a list: put the whole line in a title).
 */
export function describeRule(rule: FaultRule, options: { short?: boolean } = {}): string {
  const name = (v: string) => (options.short ? shorten(v) : v);
  const parts: string[] = [rule.kind];
  switch (rule.kind) {
    case 'latency': {
      const l = rule.latency;
      const d =
        l.type === 'fixed'
          ? `${l.ms} ms`
          : l.type === 'normal'
            ? `~${l.mean} ms (sd ${l.sd})`
            : `${l.min}-${l.max} ms`;
      parts.push(`${d}${rule.stage === 'module' ? ' in the module' : ''}`);
      break;
    }
    case 'error':
      parts.push(rule.errorName);
      break;
    case 'throttle':
      parts.push(`${rule.requestsPerSecond} req/s per key store`);
      break;
    case 'health':
      parts.push(
        `${rule.nodes === 'all' ? 'every node' : rule.nodes.map(name).join(', ')} ${rule.status}`,
      );
      break;
    case 'clock-offset':
      parts.push(`${rule.offsetMs > 0 ? '+' : ''}${rule.offsetMs} ms`);
      break;
    case 'bitflip':
      parts.push(rule.field ?? 'ciphertext');
      break;
    case 'defect':
      parts.push(rule.defect);
      break;
    case 'drop':
      break;
  }
  if (rule.kind !== 'defect') {
    const s = rule.scope;
    const scope = [
      s?.keyStore && `key store ${name(s.keyStore)}`,
      s?.keyId && `key ${name(s.keyId)}`,
      s?.operation,
    ].filter(Boolean);
    if (scope.length) parts.push(`(${scope.join(', ')})`);
    if (rule.probability !== undefined && rule.probability < 1) {
      parts.push(`p=${rule.probability}`);
    }
  }
  if (rule.expiresAt) parts.push(`until ${when(rule.expiresAt)}`);
  return parts.join(' ');
}
