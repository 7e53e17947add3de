import type { Child } from 'hono/jsx';
import { PRODUCT, VERSION } from '../version.ts';
import { CSRF_FIELD, type Flash } from './session.ts';
import { UI_BASE } from './ui-deps.ts';

/*
 * The page frame and the small pieces every page uses. JSX escapes every string it renders (text
 * and attribute values), and nothing here uses raw HTML: a key id or a fault message cannot become
 * markup. No inline script or style either (the CSP forbids both): classes and the served CSS file.
 */

export const NAV = [
  { id: 'overview', href: UI_BASE, label: 'Overview' },
  { id: 'modules', href: `${UI_BASE}/modules`, label: 'Modules' },
  { id: 'keys', href: `${UI_BASE}/keys`, label: 'Keys' },
  { id: 'keystores', href: `${UI_BASE}/keystores`, label: 'Key stores' },
  { id: 'kms', href: `${UI_BASE}/kms`, label: 'KMS' },
  { id: 'audit', href: `${UI_BASE}/audit`, label: 'Audit' },
  { id: 'faults', href: `${UI_BASE}/faults`, label: 'Faults' },
  { id: 'conformance', href: `${UI_BASE}/conformance`, label: 'Conformance' },
] as const;
export type NavId = (typeof NAV)[number]['id'];

export function Document(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${PRODUCT}`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={`${UI_BASE}/static/app.css`} />
        <script type="module" src={`${UI_BASE}/static/app.js`} />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

export function Layout(props: {
  title: string;
  /** What the page's h1 shows, when not just `title` (a long name shortened: LongValue inline). */
  heading?: Child;
  active: NavId | undefined;
  csrf: string;
  flash?: Flash | undefined;
  faultsActive?: number | undefined;
  children?: Child;
}) {
  return (
    <Document title={props.title}>
      <header class="top">
        <a class="brand" href={UI_BASE}>
          {PRODUCT} <span class="muted">{VERSION}</span>
        </a>
        <nav aria-label="Sections">
          {NAV.map((n) => (
            <a href={n.href} class={n.id === props.active ? 'current' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <form method="post" action={`${UI_BASE}/logout`} class="logout">
          <CsrfField token={props.csrf} />
          <button type="submit" class="link">
            Log out
          </button>
        </form>
      </header>
      {props.faultsActive ? (
        <p class="banner warn">
          {props.faultsActive} fault rule(s) active: this proxy misbehaves on purpose.{' '}
          <a href={`${UI_BASE}/faults`}>Faults</a>
        </p>
      ) : null}
      <main>
        <h1>{props.heading ?? props.title}</h1>
        {props.flash ? <FlashMessage flash={props.flash} /> : null}
        {props.children}
      </main>
    </Document>
  );
}

export function FlashMessage(props: { flash: Flash }) {
  return (
    <p class={`flash ${props.flash.kind}`} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
      {props.flash.text}
    </p>
  );
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** A form that POSTs its fields to `action` with the CSRF token, sent by one primary button. */
export function PostForm(props: {
  action: string;
  csrf: string;
  submit: string;
  testId?: string;
  children?: Child;
}) {
  return (
    <form method="post" action={props.action} class="stack">
      <CsrfField token={props.csrf} />
      {props.children}
      <button type="submit" class="primary" data-testid={props.testId}>
        {props.submit}
      </button>
    </form>
  );
}

/** A one-button form that POSTs to `action` (with the CSRF token and optional hidden fields). */
export function ActionButton(props: {
  action: string;
  csrf: string;
  label: string;
  kind?: 'primary' | 'danger' | 'plain';
  confirm?: string;
  fields?: Record<string, string>;
  testId?: string;
}) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <CsrfField token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind ?? 'plain'} data-testid={props.testId}>
        {props.label}
      </button>
    </form>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | 'info';

export function Badge(props: { tone: Tone; children?: Child }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

export function healthTone(status: string): Tone {
  return status === 'ACTIVE' ? 'ok' : status === 'DEGRADED' ? 'warn' : 'bad';
}

export function stateTone(state: string): Tone {
  switch (state) {
    case 'ENABLED':
    case 'active':
      return 'ok';
    case 'DISABLED':
    case 'maintenance':
    case 'PENDING_DELETION':
      return 'warn';
    default:
      return 'bad';
  }
}

export function Table(props: { head: readonly string[]; children?: Child; empty?: string }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

export function Empty(props: { children?: Child }) {
  return <p class="empty">{props.children}</p>;
}

/** `2025-03-01 12:00:00Z` from an ISO time (readable, sortable, unambiguous). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `3 min ago`, `2 d ago`: how long before `now`. */
export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** Text that may break after each `/` (an admin operation names its route): a narrow column fits it. */
export function Breakable(props: { text: string }) {
  const parts = props.text.split('/');
  return parts.map((part, i) =>
    i === parts.length - 1 ? (
      part
    ) : (
      <>
        {`${part}/`}
        <wbr />
      </>
    ),
  );
}

/** A `data:` URL that downloads `value` as a JSON file (no server round trip, nothing stored). */
export function jsonDataUrl(value: unknown): string {
  return `data:application/json;charset=utf-8,${encodeURIComponent(`${JSON.stringify(value, null, 2)}\n`)}`;
}

/** A secret shown once, selectable, with a copy button (app.js) and a warning. */
export function SecretValue(props: { id: string; label: string; value: string }) {
  return (
    <div class="secret">
      <span class="label">{props.label}</span>
      <code id={props.id} data-testid={props.id}>
        {props.value}
      </code>
      <button type="button" class="plain copy" data-copy={props.id}>
        Copy
      </button>
    </div>
  );
}

/** Most characters of a long value shown in a table or a detail line: a KMS request id (a UUID) fits. */
export const SHORT_CHARS = 36;

/** Most characters of a URL shown: a usual endpoint fits whole, port and prefix included. */
export const URL_CHARS = 60;

/** Most characters of the name a table row starts with: on a phone the next columns stay in view. */
export const ROW_NAME_CHARS = 24;

/** An ARN up to its account: `arn:aws:iam::123456789012:`. */
const ARN_HEAD = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:/;

/**
 * `value` cut to `max` characters: its start and its end with `…` between (ids differ at both).
 * An ARN keeps its head up to the account whole when that leaves room for its end.
 */
export function shorten(value: string, max: number = SHORT_CHARS): string {
  if (value.length <= max) return value;
  const arn = ARN_HEAD.exec(value)?.[0];
  const head = arn && arn.length <= max - 12 ? arn.length : Math.ceil((max - 1) / 2);
  return `${value.slice(0, head)}…${value.slice(value.length - (max - 1 - head))}`;
}

/**
 * A value that can be long (an ARN of up to 2048 characters, a 128-character key id, a request
 * id, a URL) shortened to `max` characters, its start and end shown. The whole value is in the
 * title (hover) and, unless `inline` or `href`, one click away: a <details> that opens below with
 * the whole value, wrapped, and a Copy button (app.js) that copies all of it. `inline` is for
 * running text and headings (where a <details> may not go); `href` makes it a link whose target
 * shows the whole value. A value that fits is shown as it is.
 */
export function LongValue(props: {
  value: string;
  max?: number;
  href?: string;
  inline?: boolean;
  /** Monospace, for ids, ARNs and URLs that were shown as code. */
  code?: boolean;
  testId?: string;
}) {
  const { value } = props;
  const short = shorten(value, props.max);
  const text = (t: string) => (props.code ? <code>{t}</code> : t);
  if (short === value) {
    // Whole, but still one unit: an id does not break at its hyphens in a table.
    return props.href ? (
      <a href={props.href} class="long-short" data-testid={props.testId}>
        {text(value)}
      </a>
    ) : (
      <span class="long-short" data-testid={props.testId}>
        {text(value)}
      </span>
    );
  }
  if (props.href) {
    return (
      <a href={props.href} class="long-short" title={value} data-testid={props.testId}>
        {text(short)}
      </a>
    );
  }
  if (props.inline) {
    return (
      <span class="long-short" title={value} data-testid={props.testId}>
        {text(short)}
      </span>
    );
  }
  return (
    <details class="long" data-testid={props.testId}>
      <summary class="long-short" title={value}>
        {text(short)}
      </summary>
      <span class="full">{text(value)}</span>{' '}
      <button type="button" class="link copy" data-copy="">
        Copy
      </button>
    </details>
  );
}
