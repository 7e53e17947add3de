/** UpdateKeyDescription. */
import { defineAction } from '../action.ts';
import { UpdateKeyDescriptionRequest } from '../meta-schemas.ts';
import { changeableKey } from './meta-rules.ts';

export const updateKeyDescription = defineAction({
  schema: UpdateKeyDescriptionRequest,
  async handle(core, input) {
    const key = changeableKey(core, input.KeyId);
    key.description = input.Description;
    await core.save();
    return {};
  },
});
