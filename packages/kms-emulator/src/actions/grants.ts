/**
 * Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant. Grants are
 * stored and listed exactly as KMS lists them; their permissions are not evaluated (as key
 * policies are not), but a grant token must be one this emulator issued wherever a request takes
 * GrantTokens.
 */
import { defineAction } from '../action.ts';
import { type Core, epochSeconds, findKey, nowMs, page } from '../core.ts';
import { KmsError } from '../errors.ts';
import type { Grant } from '../key-meta.ts';
import {
  CreateGrantRequest,
  ListGrantsRequest,
  ListRetirableGrantsRequest,
  RetireGrantRequest,
  RevokeGrantRequest,
} from '../meta-schemas.ts';
import { checkGrantOperations } from './grant-operations.ts';
import { dryRun, enabledKey } from './meta-rules.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function grantEntry(core: Core, grant: Grant): Record<string, unknown> {
  const key = core.keys.get(grant.keyId);
  return {
    KeyId: key?.arn ?? grant.keyId,
    GrantId: grant.grantId,
    ...(grant.name === undefined ? {} : { Name: grant.name }),
    CreationDate: epochSeconds(grant.createdAt),
    GranteePrincipal: grant.granteePrincipal,
    ...(grant.retiringPrincipal === undefined
      ? {}
      : { RetiringPrincipal: grant.retiringPrincipal }),
    IssuingAccount: `arn:aws:iam::${core.account.accountId}:root`,
    Operations: grant.operations,
    ...(grant.constraints === undefined ? {} : { Constraints: grant.constraints }),
  };
}

function listAnswer(core: Core, grants: Grant[], limit?: number, marker?: string) {
  const result = page(grants, limit ?? 50, marker);
  return {
    Grants: result.items.map((g) => grantEntry(core, g)),
    Truncated: result.truncated,
    ...(result.nextMarker ? { NextMarker: result.nextMarker } : {}),
  };
}

/** The grant a token names, while its key exists (a deleted key takes its grants along). */
function liveGrantByToken(core: Core, token: string): Grant | undefined {
  const grant = core.meta.grantByToken(token);
  return grant && core.keys.has(grant.keyId) ? grant : undefined;
}

/** Refuses a GrantTokens member naming a token this emulator did not issue. */
export function checkGrantTokens(core: Core, body: unknown): void {
  if (typeof body !== 'object' || body === null || !('GrantTokens' in body)) return;
  const tokens = body.GrantTokens;
  if (!Array.isArray(tokens)) return;
  for (const token of tokens) {
    if (typeof token === 'string' && !liveGrantByToken(core, token)) {
      throw new KmsError('InvalidGrantTokenException', 'The grant token is not valid.');
    }
  }
}

function sameGrant(grant: Grant, input: CreateGrantRequest): boolean {
  return (
    grant.granteePrincipal === input.GranteePrincipal &&
    grant.retiringPrincipal === input.RetiringPrincipal &&
    JSON.stringify(grant.operations) === JSON.stringify(input.Operations) &&
    JSON.stringify(grant.constraints) === JSON.stringify(input.Constraints)
  );
}

export const createGrant = defineAction({
  schema: CreateGrantRequest,
  async handle(core, input) {
    const key = enabledKey(core, input.KeyId);
    checkGrantOperations(core, key, input.Operations);
    dryRun(input.DryRun);
    // A retried CreateGrant with the same Name and parameters returns the grant it made.
    const existing = core.meta
      .grantsOf(key.id)
      .find((g) => input.Name !== undefined && g.name === input.Name && sameGrant(g, input));
    if (existing) return { GrantToken: existing.token, GrantId: existing.grantId };
    const grant: Grant = {
      grantId: hex(core.random(32)),
      token: Buffer.from(core.random(96)).toString('base64url'),
      keyId: key.id,
      name: input.Name,
      createdAt: nowMs(core),
      granteePrincipal: input.GranteePrincipal,
      retiringPrincipal: input.RetiringPrincipal,
      issuingAccount: core.account.accountId,
      operations: [...input.Operations],
      constraints: input.Constraints,
    };
    core.meta.grants.set(grant.grantId, grant);
    await core.save();
    return { GrantToken: grant.token, GrantId: grant.grantId };
  },
});

export const listGrants = defineAction({
  schema: ListGrantsRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    const grants = core.meta
      .grantsOf(key.id)
      .filter((g) => input.GrantId === undefined || g.grantId === input.GrantId)
      .filter(
        (g) =>
          input.GranteePrincipal === undefined || g.granteePrincipal === input.GranteePrincipal,
      );
    return listAnswer(core, grants, input.Limit, input.Marker);
  },
});

export const listRetirableGrants = defineAction({
  schema: ListRetirableGrantsRequest,
  async handle(core, input) {
    const grants = [...core.meta.grants.values()]
      .filter((g) => g.retiringPrincipal === input.RetiringPrincipal && core.keys.has(g.keyId))
      .sort((a, b) => a.createdAt - b.createdAt);
    return listAnswer(core, grants, input.Limit, input.Marker);
  },
});

function grantOfKey(core: Core, keyIdParam: string, grantId: string): Grant {
  const key = findKey(core, keyIdParam);
  const grant = core.meta.grants.get(grantId);
  if (!grant || grant.keyId !== key.id) {
    throw new KmsError('InvalidGrantIdException', `Grant ${grantId} does not exist on ${key.arn}.`);
  }
  return grant;
}

export const retireGrant = defineAction({
  schema: RetireGrantRequest,
  async handle(core, input) {
    let grant: Grant;
    if (input.GrantToken !== undefined) {
      const found = liveGrantByToken(core, input.GrantToken);
      if (!found) throw new KmsError('InvalidGrantTokenException', 'The grant token is not valid.');
      grant = found;
    } else if (input.KeyId !== undefined && input.GrantId !== undefined) {
      grant = grantOfKey(core, input.KeyId, input.GrantId);
    } else {
      throw new KmsError(
        'ValidationException',
        'RetireGrant needs a GrantToken, or a KeyId and a GrantId.',
      );
    }
    dryRun(input.DryRun);
    core.meta.grants.delete(grant.grantId);
    await core.save();
    return {};
  },
});

export const revokeGrant = defineAction({
  schema: RevokeGrantRequest,
  async handle(core, input) {
    const grant = grantOfKey(core, input.KeyId, input.GrantId);
    dryRun(input.DryRun);
    core.meta.grants.delete(grant.grantId);
    await core.save();
    return {};
  },
});
