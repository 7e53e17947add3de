import { Policy } from '@xkslab/protocol';
import type { PolicyTarget } from '../policies/policy-store.ts';
import { PostForm } from './layout.tsx';
import { FormError, parseForm } from './page-kit.tsx';
import type { UiDeps } from './ui-deps.ts';

const EXAMPLE = JSON.stringify(
  {
    rules: [
      { name: 'deny-dev', effect: 'deny', principals: ['arn:aws:iam::*:role/dev-*'] },
      { effect: 'allow', principals: ['111122223333'] },
    ],
  },
  null,
  2,
);

/** The secondary-authorization policy of a key store or key, as an editable JSON text. */
export function PolicyEditor(props: {
  action: string;
  csrf: string;
  policy: Policy | undefined;
  what: string;
}) {
  return (
    <PostForm action={props.action} csrf={props.csrf} submit="Save policy">
      <label>
        {`Policy of this ${props.what} (JSON; empty = no policy, every call allowed)`}
        <textarea name="policy" rows={10} class="mono" placeholder={EXAMPLE} data-testid="policy">
          {props.policy ? JSON.stringify(props.policy, null, 2) : ''}
        </textarea>
      </label>
      <p class="muted">
        Ordered rules{' '}
        {'{effect, principals?, operations?, viaServices?, sourceVpcs?, sourceVpces?, name?}'} with
        * wildcards; explicit deny wins, else allow if an allow rule matches, else deny. Applied to
        metadata, encrypt and decrypt (never health).
      </p>
    </PostForm>
  );
}

/** Saves (or, for an empty text, clears) a policy; returns the success message. */
export async function savePolicy(
  deps: UiDeps,
  target: PolicyTarget,
  text: string | undefined,
): Promise<string> {
  if (text === undefined || text.trim() === '') {
    await deps.policies.set(target, undefined);
    return 'Policy cleared: every call is allowed.';
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FormError('policy: not valid JSON');
  }
  const policy = parseForm(Policy, json);
  await deps.policies.set(target, policy);
  return `Policy saved (${policy.rules.length} rule(s)).`;
}
