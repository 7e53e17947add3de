import { GetHealthStatusRequest, type GetHealthStatusResponse } from '@xkslab/protocol';
import { isVcmError } from '@xkslab/vcm';
import { PRODUCT, VERSION } from '../../version.ts';
import { defineRoute } from '../route.ts';

const NODE_MODEL = `${PRODUCT} virtual cryptographic module ${VERSION}`;

/**
 * GetHealthStatus (spec §1.6): a deep check. The module encrypts and decrypts with its own
 * health-check key on every node (never a customer key); one ekmFleetDetails entry per node.
 */
export const healthRoute = defineRoute({
  operation: 'GetHealthStatus',
  schema: GetHealthStatusRequest,
  async handle(deps, { keyStore }): Promise<GetHealthStatusResponse> {
    let fleet: GetHealthStatusResponse['ekmFleetDetails'];
    try {
      const nodes = await deps.vcm.healthCheck(keyStore.module);
      fleet = nodes.map((n) => ({ id: n.id, model: NODE_MODEL, healthStatus: n.status }));
    } catch (e) {
      if (!isVcmError(e, 'MODULE_NOT_FOUND')) throw e;
      fleet = [{ id: keyStore.module, model: NODE_MODEL, healthStatus: 'UNAVAILABLE' }];
    }
    return {
      xksProxyFleetSize: 1,
      xksProxyVendor: PRODUCT,
      xksProxyModel: `${PRODUCT} XKS proxy ${VERSION}`,
      ekmVendor: `${PRODUCT} virtual HSM`,
      ekmFleetDetails: fleet,
    };
  },
});
