import type { ConformanceOptions } from '@xkslab/conformance';
import type { Hono } from 'hono';
import { createConformanceKeys } from '../../../keys/conformance-keys.ts';
import { ConformanceBusyError } from '../../conformance-runs.ts';
import {
  auditChange,
  errorText,
  FormError,
  formOf,
  optionalNumber,
  runAction,
  seg,
} from '../../page-kit.tsx';
import type { UiDeps, UiEnv, UiState } from '../../ui-deps.ts';
import { CONFORMANCE_BASE as BASE, MAX_KEYS_SCANNED } from './conformance-paths.ts';

/** The run a submitted form asks for: target, credential (a key store's own when one is chosen), keys, options. */
function optionsFromForm(
  deps: UiDeps,
  form: Record<string, string>,
): { options: ConformanceOptions; keyStore: string | undefined } {
  const name = form.keyStore ?? '';
  const ks = name ? deps.registry.get(name) : undefined;
  if (name && !ks) throw new FormError(`no key store named '${name}'`);
  const accessKeyId = (form.accessKeyId ?? '').trim();
  const secret = ks ? ks.secretFor(accessKeyId) : form.secret;
  if (!secret) throw new FormError('accessKeyId: not a credential of this key store');
  const second = ks?.accessKeyIds.find((id) => id !== accessKeyId);
  const secondSecret = second === undefined ? undefined : ks?.secretFor(second);
  const keyId = (form.keyId ?? '').trim();
  if (!keyId) throw new FormError('keyId: choose a key with ENCRYPT and DECRYPT');
  const opt = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  const loadRps = optionalNumber(form.loadRps);
  const options: ConformanceOptions = {
    url: (form.url ?? '').trim(),
    accessKeyId,
    secretAccessKey: secret,
    region: (form.region ?? '').trim(),
    keyId,
    encryptOnlyKeyId: opt(form.encryptOnlyKeyId),
    decryptOnlyKeyId: opt(form.decryptOnlyKeyId),
    noUsageKeyId: opt(form.noUsageKeyId),
    disabledKeyId: opt(form.disabledKeyId),
    ...(second && secondSecret
      ? { secondCredential: { accessKeyId: second, secretAccessKey: secondSecret } }
      : {}),
    ...(loadRps
      ? {
          load: {
            rps: Math.min(2000, loadRps),
            seconds: Math.min(120, optionalNumber(form.loadSeconds) ?? 10),
          },
        }
      : {}),
    ...(opt(form.only)
      ? {
          only: (form.only ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
  };
  return { options, keyStore: ks?.name };
}

/** Start a run from the form, and create the keys its roles need. */
export function registerConformanceRunActions(
  app: Hono<UiEnv>,
  deps: UiDeps,
  state: UiState,
): void {
  app.post(`${BASE}/runs`, async (c) => {
    const form = await formOf(c);
    const session = c.get('session');
    const started = performance.now();
    try {
      const { options, keyStore } = optionsFromForm(deps, form);
      const run = state.runs.start(options, keyStore);
      deps.logger.info('conformance run started', { id: run.id, url: options.url });
      await auditChange(
        deps,
        c,
        ['POST', '/conformance'],
        { keyStore, accessKeyId: options.accessKeyId },
        started,
      );
      return c.redirect(`${BASE}/runs/${seg(run.id)}`, 303);
    } catch (e) {
      session.flash = {
        kind: 'error',
        text: e instanceof ConformanceBusyError ? e.message : errorText(e),
      };
      return c.redirect(form.keyStore ? `${BASE}?keyStore=${seg(form.keyStore)}` : BASE, 303);
    }
  });

  app.post(`${BASE}/test-keys`, async (c) => {
    const form = await formOf(c);
    const name = form.keyStore ?? '';
    const back = `${BASE}?keyStore=${seg(name)}`;
    const ks = deps.registry.get(name);
    const module = ks?.module ?? '';
    return runAction(
      c,
      deps,
      { mirrors: ['POST', '/modules/{module}/keys'], back, audit: { module, keyStore: name } },
      async () => {
        if (!ks) throw new FormError(`no key store named '${name}'`);
        const { created: made } = await createConformanceKeys(
          {
            listKeys: (m) => deps.vcm.listKeys(m, { limit: MAX_KEYS_SCANNED }),
            createKey: async (m, id, usage) => {
              await deps.vcm.createKey(m, { id, usage, exportable: false });
            },
            disableKey: async (m, id) => {
              await deps.vcm.setKeyStatus(m, id, 'DISABLED');
            },
          },
          module,
        );
        return made.length
          ? `Created in ${module}: ${made.join(', ')}.`
          : `${module} already has a key for every role.`;
      },
    );
  });
}
