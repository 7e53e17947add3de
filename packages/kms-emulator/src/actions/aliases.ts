/** Aliases: CreateAlias, ListAliases, DeleteAlias. Alias names are accepted wherever a KeyId is. */
import { defineAction } from '../action.ts';
import { ALIAS_NAME_PATTERN } from '../constants.ts';
import { type Core, epochSeconds, findKey, nowMs, page } from '../core.ts';
import { KmsError } from '../errors.ts';
import { aliasArn, parseKeyReference } from '../ids.ts';
import type { KmsKey } from '../model.ts';
import { CreateAliasRequest, DeleteAliasRequest, ListAliasesRequest } from '../schemas.ts';

export function checkAliasName(name: string): void {
  if (!ALIAS_NAME_PATTERN.test(name)) {
    throw new KmsError(
      'ValidationException',
      `1 validation error detected: Value '${name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$`,
    );
  }
  if (name.startsWith('alias/aws/')) {
    throw new KmsError(
      'InvalidAliasNameException',
      'Alias names that begin with alias/aws/ are reserved for AWS managed keys.',
    );
  }
}

/** The key an alias may point at: named by key ID or ARN (not by an alias), not pending deletion. */
export function aliasTarget(core: Core, targetKeyId: string): KmsKey {
  if (parseKeyReference(core.account, targetKeyId).kind === 'alias') {
    throw new KmsError(
      'ValidationException',
      'TargetKeyId must be a key ID or key ARN, not an alias.',
    );
  }
  const key = findKey(core, targetKeyId);
  if (key.state === 'PendingDeletion') {
    throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  }
  return key;
}

export const createAlias = defineAction({
  schema: CreateAliasRequest,
  async handle(core, input) {
    checkAliasName(input.AliasName);
    const key = aliasTarget(core, input.TargetKeyId);
    if (core.aliases.has(input.AliasName)) {
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${aliasArn(core.account, input.AliasName)} already exists`,
      );
    }
    const now = nowMs(core);
    core.aliases.set(input.AliasName, {
      name: input.AliasName,
      targetKeyId: key.id,
      createdAt: now,
      updatedAt: now,
    });
    await core.save();
    return {};
  },
});

export const listAliases = defineAction({
  schema: ListAliasesRequest,
  async handle(core, input) {
    let aliases = [...core.aliases.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (input.KeyId !== undefined) {
      const key = findKey(core, input.KeyId);
      aliases = aliases.filter((a) => a.targetKeyId === key.id);
    }
    const result = page(aliases, input.Limit, input.Marker);
    return {
      Aliases: result.items.map((a) => ({
        AliasName: a.name,
        AliasArn: aliasArn(core.account, a.name),
        TargetKeyId: a.targetKeyId,
        CreationDate: epochSeconds(a.createdAt),
        LastUpdatedDate: epochSeconds(a.updatedAt),
      })),
      Truncated: result.truncated,
      ...(result.nextMarker ? { NextMarker: result.nextMarker } : {}),
    };
  },
});

export const deleteAlias = defineAction({
  schema: DeleteAliasRequest,
  async handle(core, input) {
    checkAliasName(input.AliasName);
    if (!core.aliases.delete(input.AliasName)) {
      throw new KmsError(
        'NotFoundException',
        `Alias ${aliasArn(core.account, input.AliasName)} is not found.`,
      );
    }
    await core.save();
    return {};
  },
});
