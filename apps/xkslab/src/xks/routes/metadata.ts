import { GetKeyMetadataRequest, type GetKeyMetadataResponse } from '@xkslab/protocol';
import { XksError } from '../errors.ts';
import { defineRoute } from '../route.ts';

/** GetKeyMetadata (spec §1.3): AES_256, the key's usage list and its status. */
export const metadataRoute = defineRoute({
  operation: 'GetKeyMetadata',
  schema: GetKeyMetadataRequest,
  async handle(deps, { keyStore, keyId }): Promise<GetKeyMetadataResponse> {
    const key = await deps.vcm.getKey(keyStore.module, keyId);
    if (!key) throw new XksError('KeyNotFoundException', 'External key not found');
    return { keySpec: 'AES_256', keyUsage: [...key.usage], keyStatus: key.status };
  },
});
