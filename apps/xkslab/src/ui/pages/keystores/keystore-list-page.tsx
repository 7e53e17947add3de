import { type CreatedCredential, CreateKeyStoreRequest } from '@xkslab/protocol';
import type { ModuleInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { KeyStoreDescription } from '../../../keystores/registry.ts';
import { requireKeyStore } from '../../../services/credentials.ts';
import { createKeyStore } from '../../../services/operations.ts';
import { credentialViews } from '../../../services/views.ts';
import {
  ago,
  Badge,
  CsrfField,
  Empty,
  LongValue,
  ROW_NAME_CHARS,
  Table,
  URL_CHARS,
} from '../../layout.tsx';
import {
  auditChange,
  errorText,
  formOf,
  logInternal,
  optionalNumber,
  parseForm,
  renderPage,
  seg,
} from '../../page-kit.tsx';
import type { UiContext, UiDeps, UiEnv } from '../../ui-deps.ts';
import { UI_BASE } from '../../ui-deps.ts';
import { KEYSTORES_BASE as BASE, endpointOf, NewCredential } from './keystore-parts.tsx';

/** Every key store with its endpoint, module, credentials and whether it has a policy. */
function KeyStoreTable(props: { deps: UiDeps; stores: readonly KeyStoreDescription[]; now: Date }) {
  const { deps, stores, now } = props;
  return (
    <section class="card wide">
      <h2>XKS key stores</h2>
      {stores.length === 0 ? (
        <Empty>No key store yet: create one below.</Empty>
      ) : (
        <Table head={['Key store', 'Endpoint', 'Region', 'Module', 'Credentials', 'Policy']}>
          {stores.map((ks) => (
            <tr data-testid={`keystore-row-${ks.name}`}>
              <td>
                <LongValue value={ks.name} href={`${BASE}/${seg(ks.name)}`} max={ROW_NAME_CHARS} />{' '}
                {ks.blocked ? <Badge tone="bad">blocked</Badge> : null}
              </td>
              <td>
                <LongValue value={endpointOf(deps, ks.uriPathPrefix)} code max={URL_CHARS} />
              </td>
              <td>{ks.region}</td>
              <td>
                <LongValue value={ks.module} />
              </td>
              <td>
                {credentialViews(deps, ks).map((cr) => (
                  <div>
                    <LongValue value={cr.accessKeyId} code />{' '}
                    <span class="muted">{`${cr.ageDays} d, used ${ago(cr.lastUsedAt, now)}`}</span>
                  </div>
                ))}
              </td>
              <td>{deps.policies.get({ keyStore: ks.name }) ? 'yes' : 'none'}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

/** The form that creates a key store over one of the modules. */
function CreateKeyStoreForm(props: { modules: readonly ModuleInfo[]; csrf: string }) {
  const { modules, csrf } = props;
  return (
    <section class="card">
      <h2>Create a key store</h2>
      {modules.length === 0 ? (
        <Empty>
          A key store serves the keys of a module: <a href={`${UI_BASE}/modules`}>deploy one</a>{' '}
          first.
        </Empty>
      ) : (
        <form method="post" action={BASE} class="stack">
          <CsrfField token={csrf} />
          <label>
            Name
            <input name="name" required autocomplete="off" placeholder="payments" />
          </label>
          <label>
            URI path prefix (before /kms/xks/v1; may be empty)
            <input name="uriPathPrefix" autocomplete="off" placeholder="/payments" />
          </label>
          <label>
            Region
            <input name="region" required value="us-east-1" />
          </label>
          <label>
            Module
            <select name="module">
              {modules.map((m) => (
                <option value={m.name}>{m.name}</option>
              ))}
            </select>
          </label>
          <label>
            Request quota per second (optional)
            <input name="maxRequestsPerSecond" type="number" min="1" />
          </label>
          <button type="submit" class="primary" data-testid="create-keystore">
            Create key store and credential
          </button>
        </form>
      )}
    </section>
  );
}

/** The key store list, with a new credential's secret on top right after a create. */
export async function renderKeyStoreList(c: UiContext, deps: UiDeps, created?: CreatedCredential) {
  const csrf = c.get('session').csrf;
  const now = deps.clock();
  const stores = deps.registry.describeAll();
  const modules = await deps.vcm.listModules();
  return renderPage(
    c,
    deps,
    {
      title: 'Key stores',
      active: 'keystores',
      ...(created ? { flash: { kind: 'ok', text: `Key store ${created.keyStore} created.` } } : {}),
    },
    <div class="grid">
      {created ? (
        <NewCredential
          credential={created}
          endpoint={endpointOf(deps, requireKeyStore(deps, created.keyStore).uriPathPrefix)}
        />
      ) : null}
      <KeyStoreTable deps={deps} stores={stores} now={now} />
      <CreateKeyStoreForm modules={modules} csrf={csrf} />
    </div>,
  );
}

/** The key store list and the create form (which makes the first credential). */
export function registerKeyStoreListPage(app: Hono<UiEnv>, deps: UiDeps): void {
  app.get(BASE, (c) => renderKeyStoreList(c, deps));

  app.post(BASE, async (c) => {
    const form = await formOf(c);
    const started = performance.now();
    try {
      const body = parseForm(CreateKeyStoreRequest, {
        name: form.name ?? '',
        uriPathPrefix: (form.uriPathPrefix ?? '').trim(),
        region: (form.region ?? '').trim(),
        module: form.module ?? '',
        ...(optionalNumber(form.maxRequestsPerSecond) === undefined
          ? {}
          : { maxRequestsPerSecond: optionalNumber(form.maxRequestsPerSecond) }),
      });
      const { credential } = await createKeyStore(deps, body);
      await auditChange(
        deps,
        c,
        ['POST', '/keystores'],
        { keyStore: body.name, module: body.module, accessKeyId: credential?.accessKeyId },
        started,
      );
      return await renderKeyStoreList(c, deps, credential);
    } catch (e) {
      logInternal(deps, c, e);
      c.get('session').flash = { kind: 'error', text: errorText(e) };
      return c.redirect(BASE, 303);
    }
  });
}
