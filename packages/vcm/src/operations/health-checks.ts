import { HEALTH_CHECK_REUSE_MS } from '../constants.ts';
import type { VcmContext } from '../context.ts';
import { isVcmError, VcmError } from '../crypto/errors.ts';
import type { ModuleRecord } from '../records/module-record.ts';
import type { NodeHealth } from '../types.ts';
import { checkModuleName } from '../validation.ts';
import type { CryptoOperations } from './crypto-operations.ts';

function nodeId(module: string, index: number): string {
  return `${module}-node-${index + 1}`;
}

function unavailable(module: string, nodes: number, detail: string): NodeHealth[] {
  return Array.from({ length: nodes }, (_, i) => ({
    id: nodeId(module, i),
    status: 'UNAVAILABLE' as const,
    detail,
  }));
}

/**
 * Whether two reads of a module record give its nodes' round trips the same inputs: the node
 * count, the KEK and the wrapped health-check key (a module deleted and made again has new ones).
 */
function sameNodes(a: ModuleRecord, b: ModuleRecord): boolean {
  return (
    a.nodes === b.nodes &&
    a.kek === b.kek &&
    a.healthKey === b.healthKey &&
    a.createdAt === b.createdAt
  );
}

/** The deep health check of a module's nodes. */
export class HealthChecks {
  readonly #ctx: VcmContext;
  readonly #crypto: CryptoOperations;
  /** When each module's record was last read from the store by a check (clock ms). */
  readonly #lastRead = new Map<string, number>();
  /**
   * Each module's last all-ACTIVE round trips, with the record they ran on and when (clock ms):
   * reused for a record with the same nodes within HEALTH_CHECK_REUSE_MS. A failed node is never
   * kept.
   */
  readonly #lastActive = new Map<
    string,
    { record: ModuleRecord; at: number; nodes: NodeHealth[] }
  >();

  constructor(ctx: VcmContext, crypto: CryptoOperations) {
    this.#ctx = ctx;
    this.#crypto = crypto;
  }

  /**
   * The module record is read from the store and verified (at most once per HEALTH_CHECK_REUSE_MS
   * per module: in between, the key loader's copy, which every write updates), then each node runs
   * its crypto check: an AES-GCM round trip with the module's health-check key. Round trips that
   * all passed are reused for the same record within HEALTH_CHECK_REUSE_MS (a health check under
   * load costs no more than an encrypt); a failed one is run again on every check. A store that
   * cannot be read makes every node UNAVAILABLE (the node count is then the cached one, or 1); so
   * does a module that is not active.
   */
  async check(module: string): Promise<NodeHealth[]> {
    checkModuleName(module);
    let record: ModuleRecord | undefined;
    try {
      record = await this.#record(module);
    } catch (e) {
      this.#lastRead.delete(module);
      this.#lastActive.delete(module);
      this.#ctx.guard.assertKeys();
      const nodes = this.#ctx.keys.cachedModule(module)?.record.nodes ?? 1;
      const detail = isVcmError(e, 'CORRUPT_RECORD')
        ? 'module record failed its integrity check'
        : 'record store unavailable';
      return unavailable(module, nodes, detail);
    }
    if (record === undefined) throw new VcmError('MODULE_NOT_FOUND', `module ${module} not found`);
    if (record.state !== 'active') {
      this.#lastActive.delete(module);
      return unavailable(module, record.nodes, `module is ${record.state}`);
    }
    this.#ctx.guard.assertKeys();
    const now = this.#ctx.clock().getTime();
    const last = this.#lastActive.get(module);
    if (
      last !== undefined &&
      sameNodes(last.record, record) &&
      now >= last.at &&
      now - last.at < HEALTH_CHECK_REUSE_MS
    ) {
      return last.nodes.map((n) => ({ ...n }));
    }
    const found = record;
    const nodes = Array.from({ length: found.nodes }, (_, i) =>
      this.#crypto.checkNode(nodeId(module, i), found),
    );
    if (nodes.every((n) => n.status === 'ACTIVE')) {
      this.#lastActive.set(module, { record, at: now, nodes: nodes.map((n) => ({ ...n })) });
    } else {
      this.#lastActive.delete(module);
    }
    return nodes;
  }

  /**
   * The module record: from the store when the last read of it is a second old (or never
   * happened, or the clock went back), else the key loader's cached copy. A failing store is
   * seen within a second; a state change made through this Vcm at once.
   */
  async #record(module: string): Promise<ModuleRecord | undefined> {
    const now = this.#ctx.clock().getTime();
    const last = this.#lastRead.get(module);
    const cached = this.#ctx.keys.cachedModule(module);
    if (
      cached !== undefined &&
      last !== undefined &&
      now >= last &&
      now - last < HEALTH_CHECK_REUSE_MS
    ) {
      return cached.record;
    }
    const record = await this.#ctx.records.module(module);
    if (record === undefined) this.#lastRead.delete(module);
    else this.#lastRead.set(module, now);
    return record;
  }
}
