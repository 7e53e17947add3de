import type { AliasView, KeyStoreView, KeyView } from '@xkslab/kms-emulator';
import {
  Badge,
  Empty,
  LongValue,
  ROW_NAME_CHARS,
  Table,
  type Tone,
  URL_CHARS,
  when,
} from '../../layout.tsx';

function connectionTone(state: string): Tone {
  if (state === 'CONNECTED') return 'ok';
  if (state === 'FAILED') return 'bad';
  return state === 'DISCONNECTED' ? 'muted' : 'info';
}

function keyStateTone(state: string): Tone {
  if (state === 'Enabled') return 'ok';
  return state === 'Unavailable' ? 'bad' : 'warn';
}

/** The custom key stores: proxy, connection state and why the last connection failed. */
export function KeyStoreTable(props: { stores: readonly KeyStoreView[] }) {
  if (props.stores.length === 0) {
    return <Empty>No custom key store yet (CreateCustomKeyStore makes one).</Empty>;
  }
  return (
    <Table head={['Custom key store', 'Proxy', 'Connection', 'Last connection error', 'Created']}>
      {props.stores.map((s) => (
        <tr data-testid={`kms-keystore-${s.id}`}>
          <td>
            <LongValue value={s.name} max={ROW_NAME_CHARS} />
            <div class="muted">
              <LongValue value={s.id} code />
            </div>
          </td>
          <td>
            <LongValue value={`${s.uriEndpoint}${s.uriPath}`} code max={URL_CHARS} />
            <div class="muted">
              <LongValue value={s.accessKeyId} code />
            </div>
          </td>
          <td>
            <Badge tone={connectionTone(s.connectionState)}>{s.connectionState}</Badge>
          </td>
          <td>{s.connectionErrorCode ?? '-'}</td>
          <td class="time">{when(s.createdAt)}</td>
        </tr>
      ))}
    </Table>
  );
}

/** The KMS keys: spec, usage, state, origin and, for XKS keys, the store and external key. */
export function KeyTable(props: { keys: readonly KeyView[]; stores: readonly KeyStoreView[] }) {
  if (props.keys.length === 0) return <Empty>No KMS key yet (CreateKey makes one).</Empty>;
  const names = new Map(props.stores.map((s) => [s.id, s.name]));
  return (
    <Table head={['Key', 'Spec', 'Usage', 'State', 'Origin', 'Custom key store, XKS key']}>
      {props.keys.map((k) => (
        <tr data-testid={`kms-key-${k.id}`}>
          <td>
            <LongValue value={k.id} code />
            {k.description ? <div class="muted">{k.description}</div> : null}
          </td>
          <td>{k.keySpec}</td>
          <td>{k.keyUsage}</td>
          <td>
            <Badge tone={keyStateTone(k.state)}>{k.state}</Badge>
          </td>
          <td>{k.origin}</td>
          <td>
            {k.customKeyStoreId === undefined ? (
              '-'
            ) : (
              <>
                <LongValue value={k.customKeyStoreId} code />
                <div class="muted">
                  {names.get(k.customKeyStoreId) ?? ''}
                  {k.xksKeyId === undefined ? '' : ` / ${k.xksKeyId}`}
                </div>
              </>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function AliasTable(props: { aliases: readonly AliasView[] }) {
  if (props.aliases.length === 0) return <Empty>No alias yet (CreateAlias makes one).</Empty>;
  return (
    <Table head={['Alias', 'Key']}>
      {props.aliases.map((a) => (
        <tr data-testid={`kms-alias-${a.name}`}>
          <td>
            <LongValue value={a.name} max={ROW_NAME_CHARS} />
          </td>
          <td>
            <LongValue value={a.targetKeyId} code />
          </td>
        </tr>
      ))}
    </Table>
  );
}
