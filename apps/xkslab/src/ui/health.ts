import type { FaultRule } from '@xkslab/protocol';
import type { NodeHealth } from '@xkslab/vcm';
import type { UiDeps } from './ui-deps.ts';

/** A node's health as GetHealthStatus reports it: the module's deep check, then the fault rules. */
export type ShownNodeHealth = NodeHealth & {
  /** The id of the fault rule that changed the status, when one did. */
  faultRule?: string;
  /** The rule applies only to a share of requests (probability < 1). */
  sometimes?: boolean;
};

function nodeMatches(id: string, nodes: 'all' | readonly string[]): boolean {
  return nodes === 'all' || nodes.some((n) => id === n || id.endsWith(`-${n}`));
}

const RANK = { ACTIVE: 0, DEGRADED: 1, UNAVAILABLE: 2 } as const;

/**
 * Applies the health fault rules that a GetHealthStatus call on one of `keyStores` (those served
 * by the module) would meet, as faults/defects.ts `resultWithFaults` does on the wire: the worst
 * status of the matching rules wins.
 */
export function withHealthFaults(
  nodes: readonly NodeHealth[],
  rules: readonly FaultRule[],
  keyStores: readonly string[],
): ShownNodeHealth[] {
  const health = rules.filter(
    (r): r is Extract<FaultRule, { kind: 'health' }> =>
      r.kind === 'health' &&
      (r.scope?.operation === undefined || r.scope.operation === 'GetHealthStatus') &&
      (r.scope?.keyStore === undefined || keyStores.includes(r.scope.keyStore)) &&
      r.scope?.keyId === undefined,
  );
  return nodes.map((node) => {
    let shown: ShownNodeHealth = { ...node };
    for (const rule of health) {
      if (!nodeMatches(node.id, rule.nodes)) continue;
      if (RANK[rule.status] > RANK[shown.status]) {
        shown = {
          ...shown,
          status: rule.status,
          faultRule: rule.id,
          ...((rule.probability ?? 1) < 1 ? { sometimes: true } : {}),
        };
      }
    }
    return shown;
  });
}

/** Every module's nodes as KMS would see them now, by module name. */
export async function moduleHealth(
  deps: UiDeps,
  modules: readonly string[],
): Promise<Map<string, ShownNodeHealth[]>> {
  const rules = deps.faults?.list() ?? [];
  const stores = deps.registry.list();
  const out = new Map<string, ShownNodeHealth[]>();
  await Promise.all(
    modules.map(async (name) => {
      let nodes: NodeHealth[];
      try {
        nodes = await deps.vcm.healthCheck(name);
      } catch {
        nodes = [{ id: name, status: 'UNAVAILABLE', detail: 'health check failed' }];
      }
      const served = stores.filter((ks) => ks.module === name).map((ks) => ks.name);
      out.set(name, withHealthFaults(nodes, rules, served));
    }),
  );
  return out;
}
