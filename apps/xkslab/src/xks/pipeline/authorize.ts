import type { KeyMetadataRequestMetadata } from '@xkslab/protocol';
import { authorize } from '../authorize.ts';
import { XksError } from '../errors.ts';
import type { XksCallContext } from './context.ts';
import { requestMetadataOf } from './validate.ts';

/**
 * Stage `authorize`: health is always allowed; every key operation is refused on a blocked key
 * store (the kill switch), then checked against the secondary-authorization policies (spec §2.4).
 */
export function authorizeStage(ctx: XksCallContext): void {
  if (ctx.route.operation === 'GetHealthStatus') return;
  const { keyStore, keyId, log } = ctx;
  if (keyStore.blocked) throw new XksError('InvalidStateException', 'This key store is blocked');
  const metadata = requestMetadataOf(ctx) as KeyMetadataRequestMetadata;
  authorize(ctx.deps.policies, { keyStore, keyId, metadata }, (denial) =>
    Object.assign(log, denial),
  );
}
