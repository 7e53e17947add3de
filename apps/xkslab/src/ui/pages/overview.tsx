import type { Hono } from 'hono';
import { BACKUP_MEDIA_TYPE, backupFileName, takeBackup } from '../../services/backup.ts';
import { keyCountOf } from '../../services/views.ts';
import { moduleHealth } from '../health.ts';
import {
  ActionButton,
  Badge,
  Empty,
  healthTone,
  LongValue,
  ROW_NAME_CHARS,
  shorten,
  stateTone,
  Table,
  URL_CHARS,
} from '../layout.tsx';
import { errorText, logInternal, renderFragment, renderPage, seg } from '../page-kit.tsx';
import { TrafficPanel } from '../traffic-panel.tsx';
import { UI_BASE, type UiDeps, type UiEnv } from '../ui-deps.ts';
import { describeRule } from './faults/describe-rule.ts';
import { CredentialAges, endpointOf } from './keystores/keystore-parts.tsx';

async function trafficPanel(deps: UiDeps) {
  return (
    <TrafficPanel
      traffic={deps.metrics.traffic()}
      errors={await deps.metrics.errorCounts()}
      total={await deps.metrics.requestCount()}
    />
  );
}

const BACKUP_ACTION = `${UI_BASE}/backup`;

/**
 * Overview: modules and their health, key stores, live traffic, errors, active fault rules, and
 * the backup download (same bytes and audit entry as `GET /admin/v1/backup`).
 */
export function registerOverviewPages(app: Hono<UiEnv>, deps: UiDeps): void {
  app.post(BACKUP_ACTION, async (c) => {
    let made: { bytes: Uint8Array; records: number };
    try {
      made = await takeBackup(deps, `through the dashboard (POST ${BACKUP_ACTION})`);
    } catch (e) {
      logInternal(deps, c, e);
      c.get('session').flash = { kind: 'error', text: errorText(e) };
      return c.redirect(UI_BASE, 303);
    }
    return c.body(made.bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': BACKUP_MEDIA_TYPE,
      'content-disposition': `attachment; filename="${backupFileName(deps.clock())}"`,
      'cache-control': 'no-store',
    });
  });

  app.get(`${UI_BASE}/live/traffic`, async (c) => renderFragment(c, await trafficPanel(deps)));

  app.get(UI_BASE, async (c) => {
    const now = deps.clock();
    const modules = await deps.vcm.listModules();
    const health = await moduleHealth(
      deps,
      modules.map((m) => m.name),
    );
    const keyCounts = await Promise.all(modules.map((m) => keyCountOf(deps.vcm, m)));
    const keyStores = deps.registry.describeAll();
    const rules = deps.faults?.list() ?? [];
    return renderPage(
      c,
      deps,
      { title: 'Overview', active: 'overview' },
      <div class="grid">
        {await trafficPanel(deps)}
        <section class="card">
          <h2>Modules</h2>
          {modules.length === 0 ? (
            <Empty>
              No module yet. <a href={`${UI_BASE}/modules`}>Deploy one</a>.
            </Empty>
          ) : (
            <Table head={['Module', 'State', 'Keys', 'Nodes (as GetHealthStatus reports them)']}>
              {modules.map((m, i) => (
                <tr data-testid={`module-${m.name}`}>
                  <td>
                    <LongValue
                      value={m.name}
                      href={`${UI_BASE}/modules/${seg(m.name)}`}
                      max={ROW_NAME_CHARS}
                    />
                  </td>
                  <td>
                    <Badge tone={stateTone(m.state)}>{m.state}</Badge>
                  </td>
                  <td class="num">{keyCounts[i] ?? '-'}</td>
                  <td>
                    {(health.get(m.name) ?? []).map((n) => (
                      <span
                        class="node"
                        title={`${n.id}: ${n.faultRule ? `changed by fault rule ${n.faultRule}` : (n.detail ?? n.status)}`}
                        data-testid={`node-${n.id}`}
                      >
                        <Badge tone={healthTone(n.status)}>
                          {`${shorten(n.id)} ${n.status}${n.faultRule ? (n.sometimes ? ' (fault, sometimes)' : ' (fault)') : ''}`}
                        </Badge>
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </section>
        <section class="card">
          <h2>Active fault rules</h2>
          {rules.length === 0 ? (
            <Empty>None: the proxy behaves as specified.</Empty>
          ) : (
            <ul class="plain-list" data-testid="active-faults">
              {rules.map((r) => (
                <li title={describeRule(r)}>
                  <code>{r.id}</code> {describeRule(r, { short: true })}
                </li>
              ))}
            </ul>
          )}
          <p>
            <a href={`${UI_BASE}/faults`}>Manage faults</a>
          </p>
        </section>
        <section class="card">
          <h2>Backup</h2>
          <p class="muted">
            The whole database, encrypted under a key derived from the master key (as{' '}
            <code>xkslab backup</code>). Restore with{' '}
            <code>xkslab restore FILE --data-dir NEW</code>.
          </p>
          <ActionButton
            action={BACKUP_ACTION}
            csrf={c.get('session').csrf}
            label="Download a backup"
            kind="primary"
            testId="download-backup"
          />
        </section>
        <section class="card wide">
          <h2>Key stores</h2>
          {keyStores.length === 0 ? (
            <Empty>
              No key store yet. <a href={`${UI_BASE}/keystores`}>Create one</a>.
            </Empty>
          ) : (
            <Table head={['Key store', 'Endpoint', 'Module', 'Credentials (age, last use)']}>
              {keyStores.map((ks) => (
                <tr>
                  <td>
                    <LongValue
                      value={ks.name}
                      href={`${UI_BASE}/keystores/${seg(ks.name)}`}
                      max={ROW_NAME_CHARS}
                    />{' '}
                    {ks.blocked ? <Badge tone="bad">blocked</Badge> : null}
                    <div class="muted">{ks.region}</div>
                  </td>
                  <td>
                    <LongValue value={endpointOf(deps, ks.uriPathPrefix)} code max={URL_CHARS} />
                  </td>
                  <td>
                    <LongValue value={ks.module} />
                  </td>
                  <td>
                    <CredentialAges deps={deps} ks={ks} now={now} />
                    {ks.credentials.length === 0 ? <Badge tone="warn">none</Badge> : null}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </section>
      </div>,
    );
  });
}
