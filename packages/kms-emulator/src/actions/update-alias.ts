/** UpdateAlias: points an existing alias at another key of the same type and key usage. */
import { defineAction } from '../action.ts';
import { keyMetadataOf, nowMs } from '../core.ts';
import { KmsError } from '../errors.ts';
import { aliasArn } from '../ids.ts';
import { UpdateAliasRequest } from '../meta-schemas.ts';
import { aliasTarget, checkAliasName } from './aliases.ts';

export const updateAlias = defineAction({
  schema: UpdateAliasRequest,
  async handle(core, input) {
    checkAliasName(input.AliasName);
    const alias = core.aliases.get(input.AliasName);
    if (!alias) {
      throw new KmsError(
        'NotFoundException',
        `Alias ${aliasArn(core.account, input.AliasName)} is not found.`,
      );
    }
    const target = aliasTarget(core, input.TargetKeyId);
    const current = core.keys.get(alias.targetKeyId);
    if (current) {
      const was = keyMetadataOf(core, current);
      const next = keyMetadataOf(core, target);
      if (was.KeySpec !== next.KeySpec || was.KeyUsage !== next.KeyUsage) {
        throw new KmsError(
          'ValidationException',
          `The alias ${input.AliasName} points to a ${String(was.KeySpec)} ${String(was.KeyUsage)} key; its new target must have the same key spec and key usage (${target.arn} is ${String(next.KeySpec)} ${String(next.KeyUsage)}).`,
        );
      }
    }
    alias.targetKeyId = target.id;
    alias.updatedAt = nowMs(core);
    await core.save();
    return {};
  },
});
