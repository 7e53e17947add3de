import { type CreatedCredential, XKS_API_SUFFIX } from '@xkslab/protocol';
import type { KeyStoreDescription } from '../../../keystores/registry.ts';
import { credentialViews } from '../../../services/views.ts';
import { ago, jsonDataUrl, LongValue, SecretValue, URL_CHARS } from '../../layout.tsx';
import type { UiDeps } from '../../ui-deps.ts';
import { UI_BASE } from '../../ui-deps.ts';

/** Where the key store pages live. */
export const KEYSTORES_BASE = `${UI_BASE}/keystores`;

/** The XKS endpoint URL of a key store with this URI path prefix. */
export function endpointOf(deps: UiDeps, prefix: string): string {
  return `${deps.xksUrl}${prefix}${XKS_API_SUFFIX}`;
}

/** The page options of one key store's page: its name shortened in the heading. */
export function keyStorePage(name: string) {
  return {
    title: `Key store ${name}`,
    heading: (
      <>
        Key store <LongValue value={name} inline />
      </>
    ),
    active: 'keystores' as const,
  };
}

/** A key store's credentials in a table cell: access key id, age and last use of each. */
export function CredentialAges(props: { deps: UiDeps; ks: KeyStoreDescription; now: Date }) {
  return credentialViews(props.deps, props.ks).map((cr) => (
    <div>
      <LongValue value={cr.accessKeyId} code />{' '}
      <span class="muted">{`${cr.ageDays} d old, used ${ago(cr.lastUsedAt, props.now)}`}</span>
    </div>
  ));
}

/** The secret of a new credential, shown once, with the KMS console's proxy configuration file. */
export function NewCredential(props: { credential: CreatedCredential; endpoint: string }) {
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
