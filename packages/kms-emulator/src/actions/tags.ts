/** Tags: TagResource, UntagResource, ListResourceTags (KMS's limits; see meta-rules.ts). */
import { defineAction } from '../action.ts';
import { findKey, page } from '../core.ts';
import {
  ListResourceTagsRequest,
  TagResourceRequest,
  UntagResourceRequest,
} from '../meta-schemas.ts';
import { changeableKey, checkTags } from './meta-rules.ts';

export const tagResource = defineAction({
  schema: TagResourceRequest,
  async handle(core, input) {
    const key = changeableKey(core, input.KeyId);
    const meta = core.meta.of(key.id);
    checkTags(meta.tags, input.Tags);
    for (const tag of input.Tags) meta.tags.set(tag.TagKey, tag.TagValue);
    await core.save();
    return {};
  },
});

export const untagResource = defineAction({
  schema: UntagResourceRequest,
  async handle(core, input) {
    const key = changeableKey(core, input.KeyId);
    const meta = core.meta.of(key.id);
    for (const tagKey of input.TagKeys) meta.tags.delete(tagKey);
    await core.save();
    return {};
  },
});

export const listResourceTags = defineAction({
  schema: ListResourceTagsRequest,
  async handle(core, input) {
    const key = findKey(core, input.KeyId);
    const tags = [...core.meta.of(key.id).tags]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    const result = page(tags, input.Limit ?? 50, input.Marker);
    return {
      Tags: result.items,
      Truncated: result.truncated,
      ...(result.nextMarker ? { NextMarker: result.nextMarker } : {}),
    };
  },
});
