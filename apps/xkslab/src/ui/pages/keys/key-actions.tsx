import { ExportKeyRequest, ScheduleKeyDeletionRequest } from '@xkslab/protocol';
import type { KeyInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import { destroyKey, exportKey, requireKey } from '../../../services/operations.ts';
import { when } from '../../layout.tsx';
import {
  auditChange,
  errorText,
  FormError,
  formOf,
  logInternal,
  parseForm,
  runAction,
  seg,
} from '../../page-kit.tsx';
import { savePolicy } from '../../policy-form.tsx';
import type { UiContext, UiDeps, UiEnv } from '../../ui-deps.ts';
import { KEYS_BASE as BASE, keyHref } from './key-parts.tsx';

/** The download name of an exported key: `<module>-<key>-export.json` (safe characters only). */
export function exportFileName(module: string, keyId: string): string {
  return `${module}-${keyId}-export.json`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The export as a JSON download, or back to the key's page with the error. */
async function downloadExport(
  c: UiContext,
  deps: UiDeps,
  key: { module: string; keyId: string },
  publicKeyField: string | undefined,
) {
  const { module, keyId } = key;
  const here = keyHref({ module, id: keyId });
  const audit = { module, keyId };
  const started = performance.now();
  let body: string;
  try {
    const { publicKey } = parseForm(ExportKeyRequest, { publicKey: publicKeyField ?? '' });
    body = JSON.stringify(await exportKey(deps, module, keyId, publicKey));
  } catch (e) {
    logInternal(deps, c, e);
    c.get('session').flash = { kind: 'error', text: errorText(e) };
    return c.redirect(here, 303);
  }
  await auditChange(deps, c, ['POST', '/modules/{module}/keys/{keyId}/export'], audit, started);
  return c.body(body, 200, {
    'content-type': 'application/json; charset=utf-8',
    'content-disposition': `attachment; filename="${exportFileName(module, keyId)}"`,
    'cache-control': 'no-store',
  });
}

/** A lifecycle step that needs only the key: its admin API route, what it did, how it runs. */
type LifecycleStep = {
  route: string;
  done: string;
  run: (module: string, id: string) => Promise<KeyInfo>;
};

/** The one-button lifecycle steps of a key's page, by the action in its URL. */
function lifecycleSteps(deps: UiDeps): Record<string, LifecycleStep> {
  return {
    enable: {
      route: 'enable',
      done: 'enabled',
      run: (m, id) => deps.vcm.setKeyStatus(m, id, 'ENABLED'),
    },
    disable: {
      route: 'disable',
      done: 'disabled: XKS calls on it answer InvalidStateException',
      run: (m, id) => deps.vcm.setKeyStatus(m, id, 'DISABLED'),
    },
    rotate: { route: 'rotate', done: 'rotated', run: (m, id) => deps.vcm.rotateKey(m, id) },
    block: {
      route: 'block',
      done: 'blocked: every call answers InvalidStateException',
      run: (m, id) => deps.vcm.setKeyBlocked(m, id, true),
    },
    unblock: {
      route: 'unblock',
      done: 'unblocked',
      run: (m, id) => deps.vcm.setKeyBlocked(m, id, false),
    },
    'cancel-deletion': {
      route: 'cancel-deletion',
      done: 'no longer pending deletion (it stays DISABLED)',
      run: (m, id) => deps.vcm.cancelKeyDeletion(m, id),
    },
  };
}

/** The buttons and forms of a key's page: lifecycle, deletion, export, policy. */
export function registerKeyActions(app: Hono<UiEnv>, deps: UiDeps): void {
  const LIFECYCLE = lifecycleSteps(deps);

  app.post(`${BASE}/:module/:keyId/:action`, async (c) => {
    const { module, keyId, action } = c.req.param();
    const form = await formOf(c);
    const here = keyHref({ module, id: keyId });
    const audit = { module, keyId };
    const simple = LIFECYCLE[action];
    if (simple) {
      return runAction(
        c,
        deps,
        { mirrors: ['POST', `/modules/{module}/keys/{keyId}/${simple.route}`], back: here, audit },
        async () => {
          await requireKey(deps, module, keyId);
          const key = await simple.run(module, keyId);
          return `Key ${key.id} ${simple.done}${action === 'rotate' ? ` to version ${key.currentVersion}` : ''}.`;
        },
      );
    }
    switch (action) {
      case 'schedule-deletion':
        return runAction(
          c,
          deps,
          {
            mirrors: ['POST', '/modules/{module}/keys/{keyId}/schedule-deletion'],
            back: here,
            audit,
          },
          async () => {
            const body = parseForm(ScheduleKeyDeletionRequest, {
              pendingWindowDays: Number(form.pendingWindowDays ?? 30),
            });
            await requireKey(deps, module, keyId);
            const key = await deps.vcm.scheduleKeyDeletion(module, keyId, body.pendingWindowDays);
            return `Key ${key.id} is pending deletion until ${when(key.deletionDate)}.`;
          },
        );
      case 'destroy':
        return runAction(
          c,
          deps,
          {
            mirrors: ['DELETE', '/modules/{module}/keys/{keyId}'],
            back: `${BASE}?module=${seg(module)}`,
            audit,
          },
          async () => {
            await destroyKey(deps, module, keyId);
            return `Key ${keyId} destroyed.`;
          },
        );
      case 'export':
        return downloadExport(c, deps, { module, keyId }, form.publicKey);
      case 'policy':
        return runAction(
          c,
          deps,
          { mirrors: ['PUT', '/modules/{module}/keys/{keyId}/policy'], back: here, audit },
          async () => {
            await requireKey(deps, module, keyId);
            return savePolicy(deps, { module, keyId }, form.policy);
          },
        );
      default:
        return runAction(c, deps, { mirrors: ['POST', '/'], back: here }, async () => {
          throw new FormError(`no key action '${action}'`);
        });
    }
  });
}
