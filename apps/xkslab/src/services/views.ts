import type {
  CredentialView,
  KeyStoreView,
  KeyView,
  ModuleView,
  ProxyConfiguration,
} from '@xkslab/protocol';
import { XKS_API_SUFFIX } from '@xkslab/protocol';
import { isVcmError, type KeyInfo, type ModuleInfo, type NodeHealth, type Vcm } from '@xkslab/vcm';
import type { KeyStoreDescription } from '../keystores/registry.ts';
import type { AdminDeps } from './deps.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function keyView(deps: AdminDeps, key: KeyInfo): KeyView {
  return {
    module: key.module,
    id: key.id,
    state: key.state,
    status: key.status,
    usage: [...key.usage],
    origin: key.origin,
    exportable: key.exportable,
    blocked: key.blocked,
    ...(key.deletionDate === undefined ? {} : { deletionDate: key.deletionDate }),
    createdAt: key.createdAt,
    currentVersion: key.currentVersion,
    versions: key.versions.map((v) => ({ version: v.version, createdAt: v.createdAt })),
    hasPolicy: deps.policies.get({ module: key.module, keyId: key.id }) !== undefined,
  };
}

/**
 * How many keys a module holds; null for a `pkcs11` module whose token cannot be reached, so a
 * listing still shows every module while an HSM is down.
 */
export async function keyCountOf(vcm: Vcm, info: ModuleInfo): Promise<number | null> {
  try {
    return await vcm.countKeys(info.name);
  } catch (e) {
    if (info.kind === 'pkcs11' && isVcmError(e, 'HSM_ERROR')) return null;
    throw e;
  }
}

export async function moduleView(
  deps: AdminDeps,
  info: ModuleInfo,
  health?: NodeHealth[],
): Promise<ModuleView> {
  return {
    name: info.name,
    nodes: info.nodes,
    state: info.state,
    createdAt: info.createdAt,
    kind: info.kind,
    ...(info.pkcs11 === undefined ? {} : { pkcs11: info.pkcs11 }),
    keyCount: await keyCountOf(deps.vcm, info),
    keyStores: deps.registry
      .list()
      .filter((ks) => ks.module === info.name)
      .map((ks) => ks.name)
      .sort(),
    ...(health === undefined
      ? {}
      : {
          health: health.map((n) => ({
            id: n.id,
            status: n.status,
            ...(n.detail === undefined ? {} : { detail: n.detail }),
            ...(n.model === undefined ? {} : { model: n.model }),
            ...(n.vendor === undefined ? {} : { vendor: n.vendor }),
          })),
        }),
  };
}

export function credentialViews(deps: AdminDeps, ks: KeyStoreDescription): CredentialView[] {
  const now = deps.clock().getTime();
  return ks.credentials.map((c) => ({
    accessKeyId: c.accessKeyId,
    createdAt: c.createdAt,
    lastUsedAt: c.lastUsedAt ?? null,
    ageDays: Math.max(0, Math.floor((now - Date.parse(c.createdAt)) / DAY_MS)),
  }));
}

export function keyStoreView(deps: AdminDeps, ks: KeyStoreDescription): KeyStoreView {
  return {
    name: ks.name,
    uriPathPrefix: ks.uriPathPrefix,
    uriPath: `${ks.uriPathPrefix}${XKS_API_SUFFIX}`,
    region: ks.region,
    module: ks.module,
    maxRequestsPerSecond: ks.maxRequestsPerSecond ?? null,
    blocked: ks.blocked,
    createdAt: ks.createdAt,
    credentials: credentialViews(deps, ks),
    hasPolicy: deps.policies.get({ keyStore: ks.name }) !== undefined,
  };
}

/** The AWS KMS console's proxy configuration file (spec §2.2). */
export function proxyConfiguration(
  uriPathPrefix: string,
  accessKeyId: string,
  secretAccessKey: string,
): ProxyConfiguration {
  return {
    XksProxyUriPath: `${uriPathPrefix}${XKS_API_SUFFIX}`,
    XksProxyAuthenticationCredential: {
      AccessKeyId: accessKeyId,
      RawSecretAccessKey: secretAccessKey,
    },
  };
}
