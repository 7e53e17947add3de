import { XKS_API_SUFFIX } from '@xkslab/protocol';
import type { ModuleInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import type { KeyStoreDescription } from '../../../keystores/registry.ts';
import { credentialViews } from '../../../services/views.ts';
import {
  ActionButton,
  ago,
  Badge,
  Empty,
  LongValue,
  PostForm,
  Table,
  URL_CHARS,
  when,
} from '../../layout.tsx';
import { renderPage, seg } from '../../page-kit.tsx';
import { PolicyEditor } from '../../policy-form.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { UI_BASE } from '../../ui-deps.ts';
import { KEYSTORES_BASE as BASE, endpointOf, keyStorePage } from './keystore-parts.tsx';

/** Where KMS reaches the key store, its module and state, and the kill switch. */
function EndpointCard(props: {
  deps: UiDeps;
  ks: KeyStoreDescription;
  name: string;
  here: string;
  csrf: string;
}) {
  const { deps, ks, name, here, csrf } = props;
  return (
    <section class="card">
      <h2>Endpoint</h2>
      <dl class="props">
        <dt>Name</dt>
        <dd>
          <LongValue value={name} />
        </dd>
        <dt>Proxy URI</dt>
        <dd>
          <LongValue
            value={endpointOf(deps, ks.uriPathPrefix)}
            code
            max={URL_CHARS}
            testId="endpoint"
          />
        </dd>
        <dt>URI path</dt>
        <dd>
          <LongValue value={`${ks.uriPathPrefix}${XKS_API_SUFFIX}`} code max={URL_CHARS} />
        </dd>
        <dt>Region</dt>
        <dd>{ks.region}</dd>
        <dt>Module</dt>
        <dd>
          <LongValue value={ks.module} href={`${UI_BASE}/modules/${seg(ks.module)}`} />
        </dd>
        <dt>Quota</dt>
        <dd>{ks.maxRequestsPerSecond ? `${ks.maxRequestsPerSecond} req/s` : 'none'}</dd>
        <dt>Created</dt>
        <dd>{when(ks.createdAt)}</dd>
        <dt>State</dt>
        <dd>{ks.blocked ? <Badge tone="bad">blocked</Badge> : <Badge tone="ok">serving</Badge>}</dd>
      </dl>
      <ActionButton
        action={`${here}/update`}
        csrf={csrf}
        label={ks.blocked ? 'Unblock' : 'Block (kill switch)'}
        kind={ks.blocked ? 'primary' : 'danger'}
        fields={{ blocked: ks.blocked ? 'false' : 'true' }}
        {...(ks.blocked
          ? {}
          : { confirm: `Block ${name}? Metadata, encrypt and decrypt will fail.` })}
      />
    </section>
  );
}

/** Region, module and request quota of a key store. */
function SettingsCard(props: {
  ks: KeyStoreDescription;
  modules: readonly ModuleInfo[];
  here: string;
  csrf: string;
}) {
  const { ks, modules, here, csrf } = props;
  return (
    <section class="card">
      <h2>Settings</h2>
      <PostForm action={`${here}/update`} csrf={csrf} submit="Save settings">
        <label>
          Region
          <input name="region" value={ks.region} required />
        </label>
        <label>
          Module
          <select name="module">
            {modules.map((m) => (
              <option value={m.name} selected={m.name === ks.module}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Request quota per second (empty = none)
          <input
            name="maxRequestsPerSecond"
            type="number"
            min="1"
            value={ks.maxRequestsPerSecond === undefined ? '' : String(ks.maxRequestsPerSecond)}
          />
        </label>
        <input type="hidden" name="settings" value="1" />
      </PostForm>
    </section>
  );
}

/** A key store's credentials, each revocable, and the button that adds one. */
function CredentialsCard(props: {
  deps: UiDeps;
  ks: KeyStoreDescription;
  now: Date;
  here: string;
  csrf: string;
}) {
  const { deps, ks, now, here, csrf } = props;
  return (
    <section class="card wide">
      <h2>Credentials</h2>
      {ks.credentials.length === 0 ? (
        <Empty>No credential: every request is refused (AuthenticationFailedException).</Empty>
      ) : (
        <Table head={['Access key ID', 'Created', 'Age', 'Last used', '']}>
          {credentialViews(deps, ks).map((cr) => (
            <tr data-testid={`credential-${cr.accessKeyId}`}>
              <td>
                <LongValue value={cr.accessKeyId} code />
              </td>
              <td class="time">{when(cr.createdAt)}</td>
              <td class="num">{`${cr.ageDays} d`}</td>
              <td>{ago(cr.lastUsedAt, now)}</td>
              <td class="actions">
                <ActionButton
                  action={`${here}/credentials/${seg(cr.accessKeyId)}/revoke`}
                  csrf={csrf}
                  label="Revoke"
                  kind="danger"
                  confirm={`Revoke ${cr.accessKeyId}? Requests signed with it fail at once.`}
                />
              </td>
            </tr>
          ))}
        </Table>
      )}
      <ActionButton
        action={`${here}/credentials`}
        csrf={csrf}
        label="Add a credential"
        kind="primary"
        testId="add-credential"
      />
      <p class="muted">
        A new credential works at once beside the others: add, switch KMS over, then revoke the old
        one.
      </p>
    </section>
  );
}

/** One key store's page: endpoint, settings, credentials, policy, delete. */
export function registerKeyStoreDetailPage(app: Hono<UiEnv>, deps: UiDeps): void {
  app.get(`${BASE}/:name`, async (c) => {
    const csrf = c.get('session').csrf;
    const name = c.req.param('name');
    const ks = deps.registry.describe(name);
    if (!ks) {
      return renderPage(
        c,
        deps,
        { title: 'Key store not found', active: 'keystores', status: 404 },
        <Empty>
          No key store named <LongValue value={name} code inline />.{' '}
          <a href={BASE}>All key stores</a>
        </Empty>,
      );
    }
    const now = deps.clock();
    const modules = await deps.vcm.listModules();
    const here = `${BASE}/${seg(name)}`;
    return renderPage(
      c,
      deps,
      {
        ...keyStorePage(name),
      },
      <div class="grid">
        <EndpointCard deps={deps} ks={ks} name={name} here={here} csrf={csrf} />
        <SettingsCard ks={ks} modules={modules} here={here} csrf={csrf} />
        <CredentialsCard deps={deps} ks={ks} now={now} here={here} csrf={csrf} />
        <section class="card wide">
          <h2>Authorization policy</h2>
          <PolicyEditor
            action={`${here}/policy`}
            csrf={csrf}
            policy={deps.policies.get({ keyStore: name })?.policy}
            what="key store"
          />
        </section>
        <section class="card">
          <h2>Delete</h2>
          <ActionButton
            action={`${here}/delete`}
            csrf={csrf}
            label="Delete key store"
            kind="danger"
            confirm={`Delete key store ${name}? Its prefix answers InvalidUriPathException at once.`}
          />
        </section>
      </div>,
    );
  });
}
