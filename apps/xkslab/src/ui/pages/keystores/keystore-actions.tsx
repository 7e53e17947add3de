import { UpdateKeyStoreRequest } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { requireKeyStore } from '../../../services/credentials.ts';
import { deleteKeyStore, updateKeyStore } from '../../../services/operations.ts';
import { formOf, optionalNumber, parseForm, runAction, seg } from '../../page-kit.tsx';
import { savePolicy } from '../../policy-form.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { KEYSTORES_BASE as BASE } from './keystore-parts.tsx';

/** Settings, block/unblock, policy and delete of a key store. */
export function registerKeyStoreActions(app: Hono<UiEnv>, deps: UiDeps): void {
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
