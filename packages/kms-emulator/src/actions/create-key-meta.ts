/**
 * CreateKey's `Policy` and `Tags`: checked before the key is made (a refused policy or tag makes no
 * key), then recorded for the new key. Wraps whichever CreateKey the action table serves.
 */
import { type Action, defineAction } from '../action.ts';
import { KmsError } from '../errors.ts';
import { CreateKeyMetaRequest } from '../meta-schemas.ts';
import { validationMessage } from '../validation-message.ts';
import { checkPolicy, checkTags } from './meta-rules.ts';

export function withKeyMeta(createKey: Action): Action {
  return defineAction({
    schema: createKey.schema,
    async handle(core, input, call) {
      const parsed = CreateKeyMetaRequest.safeParse(input);
      if (!parsed.success) {
        throw new KmsError('ValidationException', validationMessage(parsed.error, input));
      }
      const { Policy, Tags } = parsed.data;
      if (Policy !== undefined) checkPolicy(Policy);
      if (Tags !== undefined) checkTags(new Map(), Tags);
      const result = (await createKey.handle(core, input, call)) as {
        KeyMetadata?: { KeyId?: unknown };
      };
      const keyId = result.KeyMetadata?.KeyId;
      if (typeof keyId === 'string' && (Policy !== undefined || Tags !== undefined)) {
        const meta = core.meta.of(keyId);
        if (Policy !== undefined) meta.policy = Policy;
        for (const tag of Tags ?? []) meta.tags.set(tag.TagKey, tag.TagValue);
        await core.save();
      }
      return result;
    },
  });
}
