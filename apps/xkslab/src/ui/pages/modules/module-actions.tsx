import { BulkCreateKeysRequest, ModuleStateValue } from '@xkslab/protocol';
import type { Hono } from 'hono';
import { bulkCreateKeys, deleteModule, requireModule } from '../../../services/operations.ts';
import { formAll, formOf, optionalNumber, parseForm, runAction, seg } from '../../page-kit.tsx';
import type { UiDeps, UiEnv } from '../../ui-deps.ts';
import { MODULES_BASE as BASE } from './module-paths.ts';

/** Change a module's state, create keys in bulk, delete it. */
export function registerModuleActions(app: Hono<UiEnv>, deps: UiDeps): void {
  app.post(`${BASE}/:module/state`, async (c) => {
    const name = c.req.param('module');
    const form = await formOf(c);
    return runAction(
      c,
      deps,
      {
        mirrors: ['PUT', '/modules/{module}/state'],
        back: `${BASE}/${seg(name)}`,
        audit: { module: name },
      },
      async () => {
        const state = parseForm(ModuleStateValue, form.state);
        await requireModule(deps, name);
        const info = await deps.vcm.setModuleState(name, state);
        return `Module ${info.name} is ${info.state}.`;
      },
    );
  });

  app.post(`${BASE}/:module/bulk-keys`, async (c) => {
    const name = c.req.param('module');
    const form = await formOf(c);
    const usage = await formAll(c, 'usage');
    return runAction(
      c,
      deps,
      {
        mirrors: ['POST', '/modules/{module}/keys/bulk'],
        back: `${BASE}/${seg(name)}`,
        audit: { module: name },
      },
      async () => {
        const start = optionalNumber(form.start);
        const body = parseForm(BulkCreateKeysRequest, {
          idPrefix: (form.idPrefix ?? '').trim(),
          count: optionalNumber(form.count),
          ...(start === undefined ? {} : { start }),
          usage,
        });
        const made = await bulkCreateKeys(deps, name, body);
        return `${made.created} key(s) created in ${name}: ${made.firstId} .. ${made.lastId}.`;
      },
    );
  });

  app.post(`${BASE}/:module/delete`, async (c) => {
    const name = c.req.param('module');
    const form = await formOf(c);
    let deleted = false;
    const response = await runAction(
      c,
      deps,
      { mirrors: ['DELETE', '/modules/{module}'], back: BASE, audit: { module: name } },
      async () => {
        const { keys } = await deleteModule(deps, name, form.force === 'true');
        deleted = true;
        return `Module ${name} deleted (${keys} key(s) destroyed).`;
      },
    );
    // A refusal goes back to the module's page, where the force box is.
    return deleted ? response : c.redirect(`${BASE}/${seg(name)}`, 303);
  });
}
