import { readFile } from 'node:fs/promises';
import type { PolicyResponse } from '@xkslab/protocol';
import { defineGroup, type SubcommandRun, seg, stringOption, textOption } from './admin-command.ts';
import { CommandError, errorCode } from './command-io.ts';
import { UsageError } from './flags.ts';
import { formatTable } from './table.ts';

function policyPath(r: SubcommandRun): string {
  const keyStore = stringOption(r, 'keystore');
  const key = stringOption(r, 'key');
  if ((keyStore === undefined) === (key === undefined)) {
    throw new UsageError('give exactly one of --keystore NAME or --key MODULE/ID');
  }
  if (keyStore !== undefined) return `/keystores/${seg(keyStore)}/policy`;
  const [module, id, ...extra] = (key as string).split('/');
  if (!module || !id || extra.length) throw new UsageError('--key must be MODULE/ID');
  return `/modules/${seg(module)}/keys/${seg(id)}/policy`;
}

function policyTable(res: PolicyResponse): string {
  if (!res.policy) return 'no policy: every call is allowed\n';
  const list = (v: string[] | undefined) => (v ? v.join(',') : '*');
  return formatTable(
    ['#', 'NAME', 'EFFECT', 'PRINCIPALS', 'OPERATIONS', 'VIA', 'VPCS', 'VPCES'],
    res.policy.rules.map((rule, i) => [
      String(i),
      rule.name ?? '-',
      rule.effect,
      list(rule.principals),
      list(rule.operations),
      list(rule.viaServices),
      list(rule.sourceVpcs),
      list(rule.sourceVpces),
    ]),
  );
}

const targetOptions = {
  keystore: textOption('the policy of a key store', 'NAME'),
  key: textOption('the policy of a key', 'MODULE/ID'),
};

export const POLICIES_COMMAND = defineGroup({
  name: 'policies',
  brief: 'manage secondary-authorization policies (get|set|clear)',
  summary: 'Manage secondary-authorization policies of key stores and keys.',
  notes: `A policy is {"rules":[{"effect":"allow"|"deny","name"?,"principals"?,"operations"?,
"viaServices"?,"sourceVpcs"?,"sourceVpces"?}, ...]}; '*' is a wildcard and a 12-digit principal
matches a whole account. Explicit deny wins; else allow if an allow rule matches; else deny.
Applied to metadata, encrypt and decrypt (never health); denials answer AccessDeniedException.
`,
  subcommands: {
    get: {
      args: '',
      summary: 'show a policy',
      options: targetOptions,
      async run(r) {
        const res = await r.client.call<PolicyResponse>('GET', policyPath(r));
        r.print(res, () => policyTable(res));
      },
    },
    set: {
      args: '',
      summary: 'set a policy from a JSON file',
      options: {
        ...targetOptions,
        file: textOption('the policy JSON (required; - for standard input)', 'FILE'),
      },
      async run(r) {
        const path = policyPath(r);
        const file = stringOption(r, 'file');
        if (!file) throw new UsageError('policies set: --file FILE is required');
        let text: string;
        try {
          text = await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
        } catch (e) {
          throw new CommandError(`cannot read ${file} (${errorCode(e)})`);
        }
        let policy: unknown;
        try {
          policy = JSON.parse(text);
        } catch (e) {
          throw new CommandError(`${file} is not JSON: ${e instanceof Error ? e.message : e}`);
        }
        const res = await r.client.call<PolicyResponse>('PUT', path, policy);
        r.print(res, () => policyTable(res));
      },
    },
    clear: {
      args: '',
      summary: 'remove a policy (then every call is allowed)',
      options: targetOptions,
      async run(r) {
        const res = await r.client.call<PolicyResponse>('DELETE', policyPath(r));
        r.print(res, () => policyTable(res));
      },
    },
  },
});
