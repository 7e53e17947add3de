/** UpdateAlias: points an existing alias at another key of the same type and key usage. */
import { defineAction } from '../action.ts';
import { findKey, keyMetadataOf, nowMs } from '../core.ts';
import { KmsError } from '../errors.ts';
import { aliasArn, parseKeyReference } from '../ids.ts';
import { UpdateAliasRequest } from '../meta-schemas.ts';
import { checkAliasName } from './aliases.ts';

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
    if (parseKeyReference(core.account, input.TargetKeyId).kind === 'alias') {
      throw new KmsError(
        'ValidationException',
        'TargetKeyId must be a key ID or key ARN, not an alias.',
      );
    }
    const target = findKey(core, input.TargetKeyId);
    if (target.state === 'PendingDeletion') {
      throw new KmsError('KMSInvalidStateException', `${target.arn} is pending deletion.`);
    }
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
