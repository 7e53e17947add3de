/**
 * Custom key stores of type EXTERNAL_KEY_STORE with PUBLIC_ENDPOINT connectivity:
 * CreateCustomKeyStore, DescribeCustomKeyStores, UpdateCustomKeyStore, ConnectCustomKeyStore,
 * DisconnectCustomKeyStore, DeleteCustomKeyStore.
 *
 * One relaxation for local use: the proxy URI endpoint may be `http://` and carry a port (AWS KMS
 * requires `https://<FQDN>` on port 443).
 */
import { defineAction } from '../action.ts';
import {
  MAX_CUSTOM_KEY_STORES,
  XKS_ACCESS_KEY_ID_PATTERN,
  XKS_SECRET_PATTERN,
  XKS_URI_MAX,
  XKS_URI_PATH_MAX,
  XKS_URI_PATH_MIN,
  XKS_URI_PATH_PATTERN,
} from '../constants.ts';
import {
  type CallContext,
  type Core,
  epochSeconds,
  nowMs,
  page,
  recordHealth,
  requireKeyStore,
} from '../core.ts';
import { KmsError } from '../errors.ts';
import { customKeyStoreIdFrom } from '../ids.ts';
import type { CustomKeyStore, XksProxySettings } from '../model.ts';
import {
  CreateCustomKeyStoreRequest,
  CustomKeyStoreIdRequest,
  DescribeCustomKeyStoresRequest,
  UpdateCustomKeyStoreRequest,
} from '../schemas.ts';
import { allUnavailableError, keyStoreManagementError } from '../xks/error-mapping.ts';

function invalid(message: string): KmsError {
  return new KmsError('ValidationException', message);
}

function checkEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid(`XksProxyUriEndpoint '${endpoint}' is not a valid URI endpoint.`);
  }
  const bare = `${url.protocol}//${url.host}`;
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    endpoint !== bare
  ) {
    throw invalid(
      `XksProxyUriEndpoint '${endpoint}' must be https://<host> (the emulator also accepts http:// and a port), without a path.`,
    );
  }
  return endpoint;
}

function checkPath(path: string): string {
  if (
    path.length < XKS_URI_PATH_MIN ||
    path.length > XKS_URI_PATH_MAX ||
    !XKS_URI_PATH_PATTERN.test(path)
  ) {
    throw invalid(
      `1 validation error detected: Value '${path}' at 'xksProxyUriPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(/[a-zA-Z0-9/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$`,
    );
  }
  return path;
}

function checkCredential(credential: { AccessKeyId: string; RawSecretAccessKey: string }) {
  if (!XKS_ACCESS_KEY_ID_PATTERN.test(credential.AccessKeyId)) {
    throw invalid(
      "1 validation error detected: Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: Member must be 20-30 characters of A-Z and 2-7",
    );
  }
  if (!XKS_SECRET_PATTERN.test(credential.RawSecretAccessKey)) {
    throw invalid(
      "1 validation error detected: Value at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: Member must be 43-64 characters of a-z A-Z 0-9 / + =",
    );
  }
  return credential;
}

function checkConnectivity(connectivity: string | undefined): void {
  if (connectivity === undefined) {
    throw invalid('XksProxyConnectivity is required for an external key store.');
  }
  if (connectivity === 'VPC_ENDPOINT_SERVICE') {
    throw new KmsError(
      'UnsupportedOperationException',
      'The KMS emulator supports only PUBLIC_ENDPOINT connectivity for external key stores.',
    );
  }
  if (connectivity !== 'PUBLIC_ENDPOINT') {
    throw invalid(
      `XksProxyConnectivity '${connectivity}' is not PUBLIC_ENDPOINT or VPC_ENDPOINT_SERVICE.`,
    );
  }
}

function assertUriFree(core: Core, endpoint: string, path: string, except?: string): void {
  if (endpoint.length + path.length > XKS_URI_MAX) {
    throw invalid(`The proxy URI (endpoint and path) must be at most ${XKS_URI_MAX} characters.`);
  }
  for (const other of core.keyStores.values()) {
    if (
      other.id !== except &&
      other.proxy.uriEndpoint === endpoint &&
      other.proxy.uriPath === path
    ) {
      throw new KmsError(
        'XksProxyUriInUseException',
        `The proxy URI ${endpoint}${path} is already used by custom key store ${other.id}.`,
      );
    }
  }
}

function assertNameFree(core: Core, name: string, except?: string): void {
  for (const other of core.keyStores.values()) {
    if (other.id !== except && other.name === name) {
      throw new KmsError(
        'CustomKeyStoreNameInUseException',
        `A custom key store with name ${name} already exists in this account and Region.`,
      );
    }
  }
}

/** §5: KMS tests proxy settings with GetHealthStatus; all instances UNAVAILABLE fails too. */
async function testProxy(
  core: Core,
  keyStoreId: string,
  proxy: XksProxySettings,
  kmsOperation: string,
  call: CallContext,
): Promise<void> {
  const target = { keyStoreId, region: core.account.region, proxy };
  const subject = { keyStoreId, timeoutMs: core.settings.xksTimeoutMs };
  const outcome = await core.xks.health(target, { kmsOperation, kmsRequestId: call.requestId });
  if (!outcome.ok) throw keyStoreManagementError(outcome.failure, subject);
  if (recordHealth(core, keyStoreId, outcome.value).allUnavailable) {
    throw allUnavailableError(subject);
  }
}

export const createCustomKeyStore = defineAction({
  schema: CreateCustomKeyStoreRequest,
  async handle(core, input, call) {
    const type = input.CustomKeyStoreType ?? 'AWS_CLOUDHSM';
    if (type !== 'EXTERNAL_KEY_STORE') {
      throw new KmsError(
        'UnsupportedOperationException',
        'The KMS emulator supports only custom key stores of type EXTERNAL_KEY_STORE.',
      );
    }
    checkConnectivity(input.XksProxyConnectivity);
    if (input.XksProxyUriEndpoint === undefined) throw invalid('XksProxyUriEndpoint is required.');
    if (input.XksProxyUriPath === undefined) throw invalid('XksProxyUriPath is required.');
    if (input.XksProxyAuthenticationCredential === undefined) {
      throw invalid('XksProxyAuthenticationCredential is required.');
    }
    const endpoint = checkEndpoint(input.XksProxyUriEndpoint);
    const path = checkPath(input.XksProxyUriPath);
    const credential = checkCredential(input.XksProxyAuthenticationCredential);
    assertNameFree(core, input.CustomKeyStoreName);
    assertUriFree(core, endpoint, path);
    if (core.keyStores.size >= MAX_CUSTOM_KEY_STORES) {
      throw new KmsError(
        'LimitExceededException',
        `An account can have at most ${MAX_CUSTOM_KEY_STORES} custom key stores in a Region.`,
      );
    }
    const id = customKeyStoreIdFrom(core.random);
    const proxy: XksProxySettings = {
      uriEndpoint: endpoint,
      uriPath: path,
      accessKeyId: credential.AccessKeyId,
      secretAccessKey: credential.RawSecretAccessKey,
      credentialSetAt: nowMs(core),
    };
    await testProxy(core, id, proxy, 'CreateCustomKeyStore', call);
    // The name and URI may have been taken while the health check ran.
    assertNameFree(core, input.CustomKeyStoreName);
    assertUriFree(core, endpoint, path);
    core.keyStores.set(id, {
      id,
      name: input.CustomKeyStoreName,
      createdAt: nowMs(core),
      connectionState: 'DISCONNECTED',
      proxy,
    });
    await core.save();
    return { CustomKeyStoreId: id };
  },
});

function describeStore(store: CustomKeyStore): Record<string, unknown> {
  return {
    CustomKeyStoreId: store.id,
    CustomKeyStoreName: store.name,
    CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
    ConnectionState: store.connectionState,
    ...(store.connectionErrorCode ? { ConnectionErrorCode: store.connectionErrorCode } : {}),
    CreationDate: epochSeconds(store.createdAt),
    XksProxyConfiguration: {
      Connectivity: 'PUBLIC_ENDPOINT',
      AccessKeyId: store.proxy.accessKeyId,
      UriEndpoint: store.proxy.uriEndpoint,
      UriPath: store.proxy.uriPath,
    },
  };
}

export const describeCustomKeyStores = defineAction({
  schema: DescribeCustomKeyStoresRequest,
  async handle(core, input) {
    let stores = [...core.keyStores.values()].sort((a, b) => a.createdAt - b.createdAt);
    if (input.CustomKeyStoreId !== undefined) {
      stores = [requireKeyStore(core, input.CustomKeyStoreId)];
    }
    if (input.CustomKeyStoreName !== undefined) {
      stores = stores.filter((s) => s.name === input.CustomKeyStoreName);
      if (stores.length === 0) {
        throw new KmsError(
          'CustomKeyStoreNotFoundException',
          `Custom key store ${input.CustomKeyStoreName} does not exist in this account and Region.`,
        );
      }
    }
    const result = page(stores, input.Limit, input.Marker);
    return {
      CustomKeyStores: result.items.map(describeStore),
      Truncated: result.truncated,
      ...(result.nextMarker ? { NextMarker: result.nextMarker } : {}),
    };
  },
});

export const updateCustomKeyStore = defineAction({
  schema: UpdateCustomKeyStoreRequest,
  async handle(core, input, call) {
    const store = requireKeyStore(core, input.CustomKeyStoreId);
    if (input.KeyStorePassword !== undefined || input.CloudHsmClusterId !== undefined) {
      throw new KmsError(
        'CustomKeyStoreInvalidStateException',
        'KeyStorePassword and CloudHsmClusterId apply only to CloudHSM key stores.',
      );
    }
    if (input.NewCustomKeyStoreName !== undefined) {
      assertNameFree(core, input.NewCustomKeyStoreName, store.id);
    }
    const endpointChanges =
      input.XksProxyUriEndpoint !== undefined &&
      input.XksProxyUriEndpoint !== store.proxy.uriEndpoint;
    if (input.XksProxyConnectivity !== undefined) checkConnectivity(input.XksProxyConnectivity);
    if (input.XksProxyVpcEndpointServiceName !== undefined) {
      throw new KmsError(
        'UnsupportedOperationException',
        'The KMS emulator supports only PUBLIC_ENDPOINT connectivity for external key stores.',
      );
    }
    // §5: endpoint and connectivity change only while disconnected; path and credential any time.
    if (endpointChanges && store.connectionState !== 'DISCONNECTED') {
      throw new KmsError(
        'CustomKeyStoreInvalidStateException',
        `Custom key store ${store.id} must be DISCONNECTED to change its XksProxyUriEndpoint (it is ${store.connectionState}).`,
      );
    }
    const proxy: XksProxySettings = { ...store.proxy };
    if (input.XksProxyUriEndpoint !== undefined) {
      proxy.uriEndpoint = checkEndpoint(input.XksProxyUriEndpoint);
    }
    if (input.XksProxyUriPath !== undefined) proxy.uriPath = checkPath(input.XksProxyUriPath);
    if (input.XksProxyAuthenticationCredential !== undefined) {
      const credential = checkCredential(input.XksProxyAuthenticationCredential);
      proxy.accessKeyId = credential.AccessKeyId;
      proxy.secretAccessKey = credential.RawSecretAccessKey;
      proxy.credentialSetAt = nowMs(core);
    }
    const proxyChanges =
      proxy.uriEndpoint !== store.proxy.uriEndpoint ||
      proxy.uriPath !== store.proxy.uriPath ||
      proxy.accessKeyId !== store.proxy.accessKeyId ||
      proxy.secretAccessKey !== store.proxy.secretAccessKey;
    if (proxyChanges) assertUriFree(core, proxy.uriEndpoint, proxy.uriPath, store.id);
    // KMS tests new proxy settings with GetHealthStatus whatever the connection state.
    if (proxyChanges) {
      await testProxy(core, store.id, proxy, 'UpdateCustomKeyStore', call);
    }
    if (input.NewCustomKeyStoreName !== undefined) store.name = input.NewCustomKeyStoreName;
    store.proxy = proxy;
    await core.save();
    return {};
  },
});

export const connectCustomKeyStore = defineAction({
  schema: CustomKeyStoreIdRequest,
  async handle(core, input, call) {
    const store = requireKeyStore(core, input.CustomKeyStoreId);
    core.beginConnect(store, call.requestId);
    await core.save();
    return {};
  },
});

export const disconnectCustomKeyStore = defineAction({
  schema: CustomKeyStoreIdRequest,
  async handle(core, input) {
    const store = requireKeyStore(core, input.CustomKeyStoreId);
    core.beginDisconnect(store);
    await core.save();
    return {};
  },
});

export const deleteCustomKeyStore = defineAction({
  schema: CustomKeyStoreIdRequest,
  async handle(core, input) {
    const store = requireKeyStore(core, input.CustomKeyStoreId);
    if (store.connectionState !== 'DISCONNECTED') {
      throw new KmsError(
        'CustomKeyStoreInvalidStateException',
        `Custom key store ${store.id} must be DISCONNECTED before it can be deleted (it is ${store.connectionState}).`,
      );
    }
    for (const key of core.keys.values()) {
      if (key.customKeyStoreId === store.id) {
        throw new KmsError(
          'CustomKeyStoreHasCMKsException',
          `Custom key store ${store.id} still has KMS keys; delete them (ScheduleKeyDeletion) first.`,
        );
      }
    }
    core.keyStores.delete(store.id);
    core.quota.forget(store.id);
    core.metrics.forgetKeyStore(store.id);
    await core.save();
    return {};
  },
});
