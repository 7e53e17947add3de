import { createRoute } from '@hono/zod-openapi';
import { KeyParams, KeyStoreParams, Policy, PolicyResponse } from '@xkslab/protocol';
import type { z } from 'zod';
import type { PolicyTarget } from '../policies/policy-store.ts';
import { requireKeyStore } from '../services/credentials.ts';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { requireKey } from '../services/operations.ts';
import { type AdminApp, ERROR_RESPONSES, jsonBody, jsonResponse, SECURITY } from './openapi.ts';

const tags = ['policies'];

const DESCRIPTION =
  'Ordered rules `{effect, principals?, operations?, viaServices?, sourceVpcs?, sourceVpces?, name?}` ' +
  'with `*` wildcards (a 12-digit principal matches a whole account). Explicit deny wins; else ' +
  'allow if an allow rule matches; else deny. Applied to metadata, encrypt and decrypt (never ' +
  'health) after SigV4; the key store policy and the key policy must both allow. A denial is ' +
  '403 AccessDeniedException and the log line names the rule (policyRule).';

function policyOf(deps: AdminDeps, target: PolicyTarget) {
  return { policy: deps.policies.get(target)?.policy ?? null };
}

/** GET, PUT and DELETE of one policy resource, at `path`, for the target `targetOf` names. */
function registerPolicyResource(
  app: AdminApp,
  deps: AdminDeps,
  options: {
    path: string;
    params: z.ZodObject;
    what: string;
    targetOf: (params: Record<string, string>) => Promise<PolicyTarget>;
  },
): void {
  const { path, params, what, targetOf } = options;
  app.openapi(
    createRoute({
      method: 'get',
      path,
      summary: `Get the secondary-authorization policy of a ${what} (null when none)`,
      tags,
      security: SECURITY,
      request: { params },
      responses: { 200: jsonResponse(PolicyResponse, 'The policy'), ...ERROR_RESPONSES },
    }),
    async (c) =>
      c.json(policyOf(deps, await targetOf(c.req.valid('param') as Record<string, string>)), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path,
      summary: `Set the secondary-authorization policy of a ${what}`,
      description: DESCRIPTION,
      tags,
      security: SECURITY,
      request: { params, body: jsonBody(Policy) },
      responses: { 200: jsonResponse(PolicyResponse, 'The policy'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const target = await targetOf(c.req.valid('param') as Record<string, string>);
      await deps.policies.set(target, c.req.valid('json'));
      return c.json(policyOf(deps, target), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path,
      summary: `Clear the secondary-authorization policy of a ${what} (then every call is allowed)`,
      tags,
      security: SECURITY,
      request: { params },
      responses: { 200: jsonResponse(PolicyResponse, 'No policy'), ...ERROR_RESPONSES },
    }),
    async (c) => {
      const target = await targetOf(c.req.valid('param') as Record<string, string>);
      await deps.policies.set(target, undefined);
      return c.json({ policy: null }, 200);
    },
  );
}

/** Secondary-authorization policies of key stores and keys. */
export function registerPolicyRoutes(app: AdminApp, deps: AdminDeps): void {
  registerPolicyResource(app, deps, {
    path: `${ADMIN_BASE}/keystores/{keyStore}/policy`,
    params: KeyStoreParams,
    what: 'key store',
    targetOf: async (p) => ({ keyStore: requireKeyStore(deps, p.keyStore ?? '').name }),
  });
  registerPolicyResource(app, deps, {
    path: `${ADMIN_BASE}/modules/{module}/keys/{keyId}/policy`,
    params: KeyParams,
    what: 'key',
    targetOf: async (p) => {
      const key = await requireKey(deps, p.module ?? '', p.keyId ?? '');
      return { module: key.module, keyId: key.id };
    },
  });
}
