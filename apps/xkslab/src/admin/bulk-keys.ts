import { createRoute } from '@hono/zod-openapi';
import { BulkCreateKeysRequest, BulkCreateKeysResponse, ModuleParams } from '@xkslab/protocol';
import { ADMIN_BASE, type AdminDeps } from '../services/deps.ts';
import { bulkCreateKeys } from '../services/operations.ts';
import { type AdminApp, ERROR_RESPONSES, jsonBody, jsonResponse, SECURITY } from './openapi.ts';

/**
 * Bulk key creation: up to BULK_KEYS_MAX keys in one atomic, synced store batch (Vcm.createKeys),
 * about 7x the rate of one POST .../keys per key (docs/performance.md). Registered before the
 * per-key routes so that `bulk` is never read as a key id.
 */
export function registerBulkKeyRoutes(app: AdminApp, deps: AdminDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: `${ADMIN_BASE}/modules/{module}/keys/bulk`,
      summary: 'Create many keys at once (<idPrefix><start> .. ; all or none)',
      tags: ['keys'],
      security: SECURITY,
      request: { params: ModuleParams, body: jsonBody(BulkCreateKeysRequest) },
      responses: {
        201: jsonResponse(BulkCreateKeysResponse, 'The keys were created'),
        ...ERROR_RESPONSES,
      },
    }),
    async (c) => {
      const { module } = c.req.valid('param');
      const body = c.req.valid('json');
      return c.json(await bulkCreateKeys(deps, module, body), 201);
    },
  );
}
