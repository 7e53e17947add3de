import { KeyUsageValue } from '@xkslab/protocol';
import type { KeyInfo } from '@xkslab/vcm';
import { Badge, LongValue, ROW_NAME_CHARS, stateTone, Table, when } from '../../layout.tsx';
import { seg } from '../../page-kit.tsx';
import { UI_BASE } from '../../ui-deps.ts';

/** Where the key pages live. */
export const KEYS_BASE = `${UI_BASE}/keys`;

/** The page of one key. */
export const keyHref = (k: { module: string; id: string }) =>
  `${KEYS_BASE}/${seg(k.module)}/${seg(k.id)}`;

export function KeyState(props: { k: KeyInfo }) {
  const { k } = props;
  return (
    <>
      <Badge tone={stateTone(k.state)}>{k.state}</Badge>
      {k.blocked ? (
        <>
          {' '}
          <Badge tone="bad">blocked</Badge>
        </>
      ) : null}
    </>
  );
}

/** A table of keys linking to each key's page (also on a module's page). */
export function KeyRows(props: { keys: readonly KeyInfo[] }) {
  return (
    <Table head={['Key', 'State', 'Usage', 'Origin', 'Version', 'Created']}>
      {props.keys.map((k) => (
        <tr data-testid={`key-row-${k.id}`}>
          <td>
            <LongValue value={k.id} href={keyHref(k)} max={ROW_NAME_CHARS} />
          </td>
          <td>
            <KeyState k={k} />
          </td>
          <td>{k.usage.join(', ') || 'none'}</td>
          <td>{`${k.origin.toLowerCase()}${k.exportable ? ', exportable' : ''}`}</td>
          <td class="num">{k.currentVersion}</td>
          <td class="time">{when(k.createdAt)}</td>
        </tr>
      ))}
    </Table>
  );
}

/** Key store names as links, comma-separated (`-` for none). */
export function KeyStoreLinks(props: { names: readonly string[] }) {
  if (props.names.length === 0) return '-';
  return props.names.map((name, i) => (
    <>
      {i > 0 ? ', ' : null}
      <LongValue value={name} href={`${UI_BASE}/keystores/${seg(name)}`} />
    </>
  ));
}

/** The usage checkboxes of a key creation form (ENCRYPT and DECRYPT checked). */
export function UsageChecks(props: { name: string }) {
  return (
    <fieldset class="checks">
      <legend>Usage (fixed at creation)</legend>
      {KeyUsageValue.options.map((u) => (
        <label class="check">
          <input
            type="checkbox"
            name={props.name}
            value={u}
            checked={u === 'ENCRYPT' || u === 'DECRYPT'}
          />{' '}
          {u}
        </label>
      ))}
    </fieldset>
  );
}
