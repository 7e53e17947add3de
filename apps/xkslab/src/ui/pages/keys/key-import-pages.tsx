import { ImportKeyRequest, type ImportParams } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { importKey, requireModule } from '../../../services/operations.ts';
import { CsrfField, LongValue, SecretValue, when } from '../../layout.tsx';
import {
  auditChange,
  errorText,
  formAll,
  formOf,
  logInternal,
  parseForm,
  renderPage,
  runAction,
  seg,
} from '../../page-kit.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { KEYS_BASE as BASE, UsageChecks } from './key-parts.tsx';

export function ImportForm(props: {
  module: string;
  csrf: string;
  params?: ImportParams | undefined;
}) {
  return (
    <form method="post" action={`${BASE}/${seg(props.module)}/import`} class="stack">
      <CsrfField token={props.csrf} />
      <label>
        Key id
        <input name="id" required autocomplete="off" />
      </label>
      <UsageChecks name="usage" />
      <label class="check">
        <input type="checkbox" name="exportable" value="true" /> Exportable
      </label>
      <label>
        Import token
        <input name="importToken" required value={props.params?.importToken ?? ''} class="mono" />
      </label>
      <label>
        Wrapped key material (Base64)
        <textarea name="wrappedKeyMaterial" rows={5} required class="mono" />
      </label>
      <button type="submit" class="primary">
        Import key
      </button>
    </form>
  );
}

/** BYOK import: get one-time parameters, then import wrapped material. */
export function registerKeyImportPages(app: Hono<UiEnv>, deps: UiDeps): void {
  app.post(`${BASE}/:module/import-params`, async (c) => {
    const module = c.req.param('module');
    const csrf = c.get('session').csrf;
    const started = performance.now();
    let params: ImportParams;
    try {
      await requireModule(deps, module);
      params = await deps.imports.create(module);
    } catch (e) {
      logInternal(deps, c, e);
      c.get('session').flash = { kind: 'error', text: errorText(e) };
      return c.redirect(`${BASE}?module=${seg(module)}`, 303);
    }
    await auditChange(deps, c, ['POST', '/modules/{module}/import-params'], { module }, started);
    return renderPage(
      c,
      deps,
      {
        title: `Import a key into ${module}`,
        heading: (
          <>
            Import a key into <LongValue value={module} inline />
          </>
        ),
        active: 'keys',
      },
      <div class="grid">
        <section class="card wide">
          <h2>Import parameters</h2>
          <p>
            Good for one import until {when(params.expiresAt)}. Wrap a random AES-256 key K with
            RSA-OAEP-SHA256 under this public key, the 32 bytes of key material with AES key wrap
            with padding (RFC 5649) under K, and paste both concatenated, in Base64.
          </p>
          <SecretValue id="import-token" label="Import token" value={params.importToken} />
          <h3>Public key ({params.wrappingKeySpec}, PEM)</h3>
          <pre class="mono wrap" id="import-public-key">
            {params.publicKey}
          </pre>
          <button type="button" class="plain copy" data-copy="import-public-key">
            Copy public key
          </button>
        </section>
        <section class="card wide">
          <h2>Import</h2>
          <ImportForm module={module} csrf={csrf} params={params} />
        </section>
      </div>,
    );
  });

  app.post(`${BASE}/:module/import`, async (c) => {
    const module = c.req.param('module');
    const form = await formOf(c);
    const usage = await formAll(c, 'usage');
    return runAction(
      c,
      deps,
      {
        mirrors: ['POST', '/modules/{module}/keys/import'],
        back: `${BASE}?module=${seg(module)}`,
        audit: { module, keyId: form.id },
      },
      async () => {
        const body = parseForm(ImportKeyRequest, {
          id: form.id ?? '',
          usage,
          exportable: form.exportable === 'true',
          importToken: (form.importToken ?? '').trim(),
          wrappedKeyMaterial: (form.wrappedKeyMaterial ?? '').replace(/\s+/g, ''),
        });
        const key = await importKey(deps, module, body);
        return `Key ${key.id} imported into ${module}.`;
      },
    );
  });
}
