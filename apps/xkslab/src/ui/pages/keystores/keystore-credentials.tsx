import type { CreatedCredential } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { addGeneratedCredential, requireKeyStore } from '../../../services/credentials.ts';
import { LongValue } from '../../layout.tsx';
import {
  auditChange,
  errorText,
  logInternal,
  renderPage,
  runAction,
  seg,
} from '../../page-kit.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { KEYSTORES_BASE as BASE, endpointOf, NewCredential } from './keystore-parts.tsx';

/** Credentials: add one (its secret shown once) and revoke one. */
export function registerKeyStoreCredentialActions(app: Hono<UiEnv>, deps: UiDeps): void {
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
    await auditChange(
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
          endpoint={endpointOf(deps, requireKeyStore(deps, name).uriPathPrefix)}
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
}
