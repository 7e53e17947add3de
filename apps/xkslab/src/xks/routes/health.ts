import { GetHealthStatusRequest, type GetHealthStatusResponse } from '@xkslab/protocol';
import { isVcmError } from '@xkslab/vcm';
import { PRODUCT, VERSION } from '../../version.ts';
import { defineRoute } from '../route.ts';

const NODE_MODEL = `${PRODUCT} virtual cryptographic module ${VERSION}`;

const EKM_VENDOR = `${PRODUCT} virtual HSM`;

/**
 * GetHealthStatus (spec §1.6): a deep check. A virtual module encrypts and decrypts with its own
 * health-check key on every node (never a customer key); a `pkcs11` module's one node probes its
 * token and reports the token's model and firmware, and its manufacturer and serial number as
 * the EKM vendor (as AWS's reference proxy does). One ekmFleetDetails entry per node.
 */
export const healthRoute = defineRoute({
  operation: 'GetHealthStatus',
  schema: GetHealthStatusRequest,
  async handle(deps, { keyStore }): Promise<GetHealthStatusResponse> {
    let fleet: GetHealthStatusResponse['ekmFleetDetails'];
    let ekmVendor = EKM_VENDOR;
    try {
      const nodes = await deps.vcm.healthCheck(keyStore.module);
      fleet = nodes.map((n) => ({
        id: n.id,
        model: n.model ?? NODE_MODEL,
        healthStatus: n.status,
      }));
      ekmVendor = nodes.find((n) => n.vendor !== undefined)?.vendor ?? EKM_VENDOR;
    } catch (e) {
      if (!isVcmError(e, 'MODULE_NOT_FOUND')) throw e;
      fleet = [{ id: keyStore.module, model: NODE_MODEL, healthStatus: 'UNAVAILABLE' }];
    }
    return {
      xksProxyFleetSize: 1,
      xksProxyVendor: PRODUCT,
      xksProxyModel: `${PRODUCT} XKS proxy ${VERSION}`,
      ekmVendor,
      ekmFleetDetails: fleet,
    };
  },
});
