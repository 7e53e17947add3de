import {
  MODULE_NAME_PATTERN,
  MODULE_NODES_MAX,
  MODULE_NODES_MIN,
  MODULE_STATES,
} from '../constants.ts';
import { VcmError } from '../crypto/errors.ts';
import { checkPkcs11Config, type Pkcs11Config, pkcs11ConfigBody } from '../pkcs11/pkcs11-config.ts';
import type { ModuleInfo, ModuleState } from '../types.ts';
import { RecordFields } from './record-fields.ts';

/** `vcm/module/<name>`: the module, its KEK wrapped under the master key (RFC 5649) and its
 * health-check key wrapped under the KEK. Base64 fields. Records written before module states
 * existed have no `state`: they read as `active`. A `pkcs11` module's keys live in the token its
 * config names (no PIN: only where to read it); its KEK and health-check key serve nothing. */
export type ModuleRecord = {
  name: string;
  nodes: number;
  createdAt: string;
  kek: string;
  healthKey: string;
  state: ModuleState;
  pkcs11?: Pkcs11Config;
};

/** Field order is fixed here: it is the order the JSON text (and so the MAC input) has. */
export function moduleRecordBody(r: ModuleRecord): ModuleRecord {
  return {
    name: r.name,
    nodes: r.nodes,
    createdAt: r.createdAt,
    kek: r.kek,
    healthKey: r.healthKey,
    state: r.state,
    ...(r.pkcs11 === undefined ? {} : { pkcs11: pkcs11ConfigBody(r.pkcs11) }),
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
    state: f.has('state') ? f.oneOf('state', MODULE_STATES) : 'active',
    ...(f.has('pkcs11') ? { pkcs11: parsePkcs11(f) } : {}),
  };
}

function parsePkcs11(f: RecordFields): Pkcs11Config {
  try {
    return checkPkcs11Config(f.raw('pkcs11'));
  } catch (e) {
    if (e instanceof VcmError && e.code === 'INVALID_INPUT') f.fail('pkcs11');
    throw e;
  }
}

export function moduleInfo(r: ModuleRecord): ModuleInfo {
  return {
    name: r.name,
    nodes: r.nodes,
    state: r.state,
    createdAt: r.createdAt,
    kind: r.pkcs11 === undefined ? 'virtual' : 'pkcs11',
    ...(r.pkcs11 === undefined ? {} : { pkcs11: pkcs11ConfigBody(r.pkcs11) }),
  };
}
