import { CreateKeyRequest, EXTERNAL_KEY_ID_PATTERN, WRAPPING_ALGORITHM } from '@xkslab/protocol';
import type { ModuleInfo } from '@xkslab/vcm';
import type { Hono } from 'hono';
import { ActionButton, Empty, LongValue, PostForm } from '../../layout.tsx';
import { formAll, formOf, parseForm, renderPage, runAction, seg } from '../../page-kit.tsx';
import { UI_BASE, type UiDeps, type UiEnv } from '../../ui-deps.ts';
import { ImportForm } from './key-import-pages.tsx';
import { KEYS_BASE as BASE, KeyRows, UsageChecks } from './key-parts.tsx';

const PAGE = 50;

function ModulePicker(props: { modules: readonly ModuleInfo[]; selected: string | undefined }) {
  return (
    <form method="get" action={BASE} class="row" data-autosubmit="">
      <label>
        Module
        <select name="module" data-testid="module-picker">
          {props.modules.map((m) => (
            <option value={m.name} selected={m.name === props.selected}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="plain">
        Show
      </button>
    </form>
  );
}

/** The key list of a module and the create form. */
export function registerKeyListPage(app: Hono<UiEnv>, deps: UiDeps): void {
  app.get(BASE, async (c) => {
    const csrf = c.get('session').csrf;
    const modules = await deps.vcm.listModules();
    const wanted = c.req.query('module');
    const module = modules.find((m) => m.name === wanted) ?? modules[0];
    if (!module) {
      return renderPage(
        c,
        deps,
        { title: 'Keys', active: 'keys' },
        <Empty>
          Keys live in modules: <a href={`${UI_BASE}/modules`}>deploy a module</a> first.
        </Empty>,
      );
    }
    const afterParam = c.req.query('after');
    const after =
      afterParam !== undefined && EXTERNAL_KEY_ID_PATTERN.test(afterParam) ? afterParam : undefined;
    const keys = await deps.vcm.listKeys(module.name, {
      limit: PAGE + 1,
      ...(after === undefined ? {} : { after }),
    });
    const more = keys.length > PAGE;
    const shown = keys.slice(0, PAGE);
    const last = shown.at(-1);
    const moduleQ = `module=${seg(module.name)}`;
    return renderPage(
      c,
      deps,
      { title: 'Keys', active: 'keys' },
      <div class="grid">
        <section class="card wide">
          <ModulePicker modules={modules} selected={module.name} />
          <h2>
            Keys of <LongValue value={module.name} inline />
          </h2>
          {shown.length === 0 ? <Empty>No key here yet.</Empty> : <KeyRows keys={shown} />}
          <p class="pager">
            {after !== undefined ? <a href={`${BASE}?${moduleQ}`}>First page</a> : null}{' '}
            {more && last ? (
              <a href={`${BASE}?${moduleQ}&after=${seg(last.id)}`}>Next page</a>
            ) : null}
          </p>
        </section>
        <section class="card">
          <h2>Create a key</h2>
          <p class="muted">AES-256, generated inside the module; the material never leaves it.</p>
          <PostForm
            action={`${BASE}/${seg(module.name)}`}
            csrf={csrf}
            submit="Create key"
            testId="create-key"
          >
            <label>
              Key id
              <input name="id" required autocomplete="off" placeholder="app-key-1" />
            </label>
            <UsageChecks name="usage" />
            <label class="check">
              <input type="checkbox" name="exportable" value="true" /> Exportable (wrapped under a
              caller's RSA key)
            </label>
          </PostForm>
        </section>
        <section class="card">
          <h2>Import a key (BYOK)</h2>
          <p class="muted">
            Step 1: get a one-time RSA-3072 import-wrapping key. Step 2: wrap your 32 bytes with{' '}
            {WRAPPING_ALGORITHM} and paste the result.
          </p>
          <ActionButton
            action={`${BASE}/${seg(module.name)}/import-params`}
            csrf={csrf}
            label="Get import parameters"
            kind="primary"
          />
          <details>
            <summary>I already have an import token</summary>
            <ImportForm module={module.name} csrf={csrf} />
          </details>
        </section>
      </div>,
    );
  });

  app.post(`${BASE}/:module`, async (c) => {
    const module = c.req.param('module');
    const form = await formOf(c);
    const usage = await formAll(c, 'usage');
    return runAction(
      c,
      deps,
      {
        mirrors: ['POST', '/modules/{module}/keys'],
        back: `${BASE}?module=${seg(module)}`,
        audit: { module, keyId: form.id },
      },
      async () => {
        const body = parseForm(CreateKeyRequest, {
          id: form.id ?? '',
          usage,
          exportable: form.exportable === 'true',
        });
        const key = await deps.vcm.createKey(module, body);
        return `Key ${key.id} created in ${module} (${key.usage.join(', ') || 'no usage'}).`;
      },
    );
  });
}
