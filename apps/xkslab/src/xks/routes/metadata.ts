import { GetKeyMetadataRequest, type GetKeyMetadataResponse } from '@xkslab/protocol';
import { defineRoute } from '../route.ts';

/** GetKeyMetadata (spec §1.3): AES_256, the key's usage list and its status (KEY_NOT_FOUND → 404). */
export const metadataRoute = defineRoute({
  operation: 'GetKeyMetadata',
  schema: GetKeyMetadataRequest,
  async handle(deps, { keyStore, keyId }): Promise<GetKeyMetadataResponse> {
    // The module must be reachable and the key not blocked; a key pending deletion is DISABLED.
    const key = await deps.vcm.keyMetadata(keyStore.module, keyId);
    return { keySpec: 'AES_256', keyUsage: [...key.usage], keyStatus: key.status };
  },
});
