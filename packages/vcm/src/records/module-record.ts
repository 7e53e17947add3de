import { MODULE_NAME_PATTERN, MODULE_NODES_MAX, MODULE_NODES_MIN } from '../constants.ts';
import type { ModuleInfo } from '../types.ts';
import { RecordFields } from './record-fields.ts';

/** `vcm/module/<name>`: the module, its KEK wrapped under the master key (RFC 5649) and its
 * health-check key wrapped under the KEK. Base64 fields. */
export type ModuleRecord = {
  name: string;
  nodes: number;
  createdAt: string;
  kek: string;
  healthKey: string;
};

/** Field order is fixed here: it is the order the JSON text (and so the MAC input) has. */
export function moduleRecordBody(r: ModuleRecord): ModuleRecord {
  return {
    name: r.name,
    nodes: r.nodes,
    createdAt: r.createdAt,
    kek: r.kek,
    healthKey: r.healthKey,
  };
}

export function parseModuleRecord(storageKey: string, body: unknown): ModuleRecord {
  const f = new RecordFields(storageKey, body);
  return {
    name: f.string('name', MODULE_NAME_PATTERN),
    nodes: f.integer('nodes', MODULE_NODES_MIN, MODULE_NODES_MAX),
    createdAt: f.string('createdAt'),
    kek: f.string('kek'),
    healthKey: f.string('healthKey'),
  };
}

export function moduleInfo(r: ModuleRecord): ModuleInfo {
  return { name: r.name, nodes: r.nodes, createdAt: r.createdAt };
}
