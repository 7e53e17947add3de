import { RECENT_KMS_CALLS } from '@xkslab/kms-emulator';
import type { Hono } from 'hono';
import { Empty } from '../layout.tsx';
import { renderPage } from '../page-kit.tsx';
import { type KmsBeside, UI_BASE, type UiDeps, type UiEnv, type UiState } from '../ui-deps.ts';
import { KmsCallTable, xksCallsByRequest } from './kms/kms-calls.tsx';
import { AliasTable, KeyStoreTable, KeyTable } from './kms/kms-state.tsx';

const BASE = `${UI_BASE}/kms`;

/** What the page says when no emulator runs beside the proxy: the command that starts one. */
function StartHint(props: { command: string | undefined }) {
  return (
    <section class="card wide">
      <h2>No KMS emulator beside this proxy</h2>
      {props.command === undefined ? (
        <Empty>This server runs no KMS emulator.</Empty>
      ) : (
        <>
          <p>Stop this server and start it again with the emulator beside it:</p>
          <pre class="wrap">
            <code data-testid="kms-start-command">{props.command}</code>
          </pre>
          <p class="muted">
            Add the other options you start it with. The emulator keeps its state in the data
            directory; this page then shows its custom key stores, keys, aliases and calls.
          </p>
        </>
      )}
    </section>
  );
}

async function kmsBody(kms: KmsBeside, state: UiState) {
  const view = kms.view();
  const calls = kms.recentCalls();
  const xks = state.audit
    ? xksCallsByRequest(calls, (await state.audit.snapshot()).entries)
    : undefined;
  return (
    <div class="grid">
      <section class="card wide">
        <h2>Emulator</h2>
        <p>
          <code>{kms.url}</code>{' '}
          <span class="muted">{`region ${view.account.region}, account ${view.account.accountId}`}</span>
        </p>
      </section>
      <section class="card wide">
        <h2>Custom key stores</h2>
        <KeyStoreTable stores={view.keyStores} />
      </section>
      <section class="card wide">
        <h2>Keys</h2>
        <KeyTable keys={view.keys} stores={view.keyStores} />
      </section>
      <section class="card wide">
        <h2>Aliases</h2>
        <AliasTable aliases={view.aliases} />
      </section>
      <section class="card wide">
        <h2>Recent KMS calls</h2>
        <p class="muted">
          {`The newest ${RECENT_KMS_CALLS} calls, newest first, each with the XKS calls this proxy's audit log recorded under its request id (kmsRequestId).`}
        </p>
        {calls.length === 0 ? (
          <Empty>No KMS call yet.</Empty>
        ) : (
          <KmsCallTable calls={calls} xks={xks} />
        )}
      </section>
    </div>
  );
}

/** KMS: the emulator beside the proxy (serve --kms-port), read-only; or how to start it. */
export function registerKmsPages(app: Hono<UiEnv>, deps: UiDeps, state: UiState): void {
  app.get(BASE, async (c) => {
    const kms = deps.kms?.beside();
    const body = kms ? await kmsBody(kms, state) : <StartHint command={deps.kms?.startCommand} />;
    return renderPage(c, deps, { title: 'KMS', active: 'kms' }, body);
  });
}
