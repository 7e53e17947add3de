import {
  type CreatedCredential,
  CreateKeyStoreRequest,
  UpdateKeyStoreRequest,
  XKS_API_SUFFIX,
} from '@xkslab/protocol';
import type { Hono } from 'hono';
import { addGeneratedCredential, requireKeyStore } from '../../services/credentials.ts';
import { createKeyStore, deleteKeyStore, updateKeyStore } from '../../services/operations.ts';
import { credentialViews } from '../../services/views.ts';
import {
  ActionButton,
  ago,
  Badge,
  CsrfField,
  Empty,
  jsonDataUrl,
  LongValue,
  ROW_NAME_CHARS,
  SecretValue,
  Table,
  URL_CHARS,
  when,
} from '../layout.tsx';
import {
  auditChange,
  errorText,
  formOf,
  logInternal,
  optionalNumber,
  parseForm,
  renderPage,
  runAction,
  seg,
} from '../page-kit.tsx';
import { PolicyEditor, savePolicy } from '../policy-form.tsx';
import type { UiContext, UiDeps, UiEnv } from '../ui-deps.ts';
import { UI_BASE } from '../ui-deps.ts';

const BASE = `${UI_BASE}/keystores`;

/** The secret of a new credential, shown once, with the KMS console's proxy configuration file. */
function NewCredential(props: { credential: CreatedCredential; endpoint: string }) {
  const cr = props.credential;
  return (
    <section class="card wide once" data-testid="new-credential">
      <h2>New credential: copy the secret now</h2>
      <p class="banner warn">
        The secret access key is shown on this page only. Only a sealed copy is kept, to check
        signatures; it cannot be shown again.
      </p>
      <SecretValue id="access-key-id" label="Access key ID" value={cr.accessKeyId} />
      <SecretValue id="secret-access-key" label="Secret access key" value={cr.secretAccessKey} />
      <SecretValue
        id="proxy-uri-path"
        label="Proxy URI path"
        value={cr.proxyConfiguration.XksProxyUriPath}
      />
      <p>
        <a
          class="button primary"
          href={jsonDataUrl(cr.proxyConfiguration)}
          download={`${cr.keyStore}-proxy-configuration.json`}
          data-testid="download-proxy-config"
        >
          Download the proxy configuration file (KMS console)
        </a>
      </p>
      <div class="muted">
        Endpoint here: <LongValue value={props.endpoint} code max={URL_CHARS} />. AWS KMS itself
        needs https on port 443 with a public DNS name and a publicly trusted certificate.
      </div>
    </section>
  );
}

/** Key stores: create, credentials (secret shown once), proxy configuration, policy, block. */
export function registerKeyStorePages(app: Hono<UiEnv>, deps: UiDeps): void {
  const endpointOf = (prefix: string) => `${deps.xksUrl}${prefix}${XKS_API_SUFFIX}`;

  async function listPage(c: UiContext, created?: CreatedCredential) {
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
        ...(created
          ? { flash: { kind: 'ok', text: `Key store ${created.keyStore} created.` } }
          : {}),
      },
      <div class="grid">
        {created ? (
          <NewCredential
            credential={created}
            endpoint={endpointOf(requireKeyStore(deps, created.keyStore).uriPathPrefix)}
          />
        ) : null}
        <section class="card wide">
          <h2>XKS key stores</h2>
          {stores.length === 0 ? (
            <Empty>No key store yet: create one below.</Empty>
          ) : (
            <Table head={['Key store', 'Endpoint', 'Region', 'Module', 'Credentials', 'Policy']}>
              {stores.map((ks) => (
                <tr data-testid={`keystore-row-${ks.name}`}>
                  <td>
                    <LongValue
                      value={ks.name}
                      href={`${BASE}/${seg(ks.name)}`}
                      max={ROW_NAME_CHARS}
                    />{' '}
                    {ks.blocked ? <Badge tone="bad">blocked</Badge> : null}
                  </td>
                  <td>
                    <LongValue value={endpointOf(ks.uriPathPrefix)} code max={URL_CHARS} />
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
      </div>,
    );
  }

  app.get(BASE, (c) => listPage(c));

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
      auditChange(
        deps,
        c,
        ['POST', '/keystores'],
        { keyStore: body.name, module: body.module, accessKeyId: credential?.accessKeyId },
        started,
      );
      return await listPage(c, credential);
    } catch (e) {
      logInternal(deps, c, e);
      c.get('session').flash = { kind: 'error', text: errorText(e) };
      return c.redirect(BASE, 303);
    }
  });

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
        title: `Key store ${name}`,
        heading: (
          <>
            Key store <LongValue value={name} inline />
          </>
        ),
        active: 'keystores',
      },
      <div class="grid">
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
                value={endpointOf(ks.uriPathPrefix)}
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
            <dd>
              {ks.blocked ? <Badge tone="bad">blocked</Badge> : <Badge tone="ok">serving</Badge>}
            </dd>
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
        <section class="card">
          <h2>Settings</h2>
          <form method="post" action={`${here}/update`} class="stack">
            <CsrfField token={csrf} />
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
            <button type="submit" class="primary">
              Save settings
            </button>
          </form>
        </section>
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
            A new credential works at once beside the others: add, switch KMS over, then revoke the
            old one.
          </p>
        </section>
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

  app.post(`${BASE}/:name/credentials`, async (c) => {
    const name = c.req.param('name');
    const started = performance.now();
    let credential: CreatedCredential;
    try {
      requireKeyStore(deps, name);
      credential = await addGeneratedCredential(deps, name);
    } catch (e) {
      logInternal(deps, c, e);
      c.get('session').flash = { kind: 'error', text: errorText(e) };
      return c.redirect(`${BASE}/${seg(name)}`, 303);
    }
    auditChange(
      deps,
      c,
      ['POST', '/keystores/{keyStore}/credentials'],
      { keyStore: name, accessKeyId: credential.accessKeyId },
      started,
    );
    return renderPage(
      c,
      deps,
      {
        title: `Key store ${name}`,
        heading: (
          <>
            Key store <LongValue value={name} inline />
          </>
        ),
        active: 'keystores',
        flash: { kind: 'ok', text: `Credential ${credential.accessKeyId} added to ${name}.` },
      },
      <div class="grid">
        <NewCredential
          credential={credential}
          endpoint={endpointOf(requireKeyStore(deps, name).uriPathPrefix)}
        />
        <p>
          <a href={`${BASE}/${seg(name)}`}>
            Back to <LongValue value={name} inline />
          </a>
        </p>
      </div>,
    );
  });

  app.post(`${BASE}/:name/credentials/:accessKeyId/revoke`, (c) => {
    const { name, accessKeyId } = c.req.param();
    return runAction(
      c,
      deps,
      {
        mirrors: ['DELETE', '/keystores/{keyStore}/credentials/{accessKeyId}'],
        back: `${BASE}/${seg(name)}`,
        audit: { keyStore: name, accessKeyId },
      },
      async () => {
        requireKeyStore(deps, name);
        await deps.registry.revokeCredential(name, accessKeyId);
        return `Credential ${accessKeyId} revoked: requests signed with it fail from now on.`;
      },
    );
  });

  app.post(`${BASE}/:name/update`, async (c) => {
    const name = c.req.param('name');
    const form = await formOf(c);
    return runAction(
      c,
      deps,
      {
        mirrors: ['PATCH', '/keystores/{keyStore}'],
        back: `${BASE}/${seg(name)}`,
        audit: { keyStore: name },
      },
      async () => {
        const quota = optionalNumber(form.maxRequestsPerSecond);
        const patch = parseForm(UpdateKeyStoreRequest, {
          ...(form.blocked === undefined ? {} : { blocked: form.blocked === 'true' }),
          ...(form.settings === undefined
            ? {}
            : {
                region: (form.region ?? '').trim(),
                module: form.module ?? '',
                maxRequestsPerSecond: quota ?? null,
              }),
        });
        await updateKeyStore(deps, name, patch);
        if (patch.blocked !== undefined) {
          return patch.blocked
            ? `Key store ${name} blocked: metadata, encrypt and decrypt answer InvalidStateException.`
            : `Key store ${name} unblocked.`;
        }
        return `Key store ${name} saved.`;
      },
    );
  });

  app.post(`${BASE}/:name/policy`, async (c) => {
    const name = c.req.param('name');
    const form = await formOf(c);
    return runAction(
      c,
      deps,
      {
        mirrors: ['PUT', '/keystores/{keyStore}/policy'],
        back: `${BASE}/${seg(name)}`,
        audit: { keyStore: name },
      },
      async () => {
        requireKeyStore(deps, name);
        return savePolicy(deps, { keyStore: name }, form.policy);
      },
    );
  });

  app.post(`${BASE}/:name/delete`, (c) => {
    const name = c.req.param('name');
    return runAction(
      c,
      deps,
      { mirrors: ['DELETE', '/keystores/{keyStore}'], back: BASE, audit: { keyStore: name } },
      async () => {
        await deleteKeyStore(deps, name);
        return `Key store ${name} deleted.`;
      },
    );
  });
}
