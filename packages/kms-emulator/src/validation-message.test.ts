import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validationMessage } from './validation-message.ts';

const Request = z.object({
  KeyId: z.string().min(1).max(2048),
  Plaintext: z.string().max(4),
  Limit: z.number().int().min(1).max(1000).optional(),
  Tags: z.array(z.object({ TagKey: z.string().min(1).max(128), TagValue: z.string() })).optional(),
  Spec: z.enum(['A', 'B']).optional(),
  Name: z
    .string()
    .regex(/^[a-z]+$/)
    .optional(),
});

function messageOf(input: unknown): string {
  const parsed = Request.safeParse(input);
  if (parsed.success) throw new Error('expected a validation failure');
  return validationMessage(parsed.error, input);
}

describe('validationMessage', () => {
  it('words one problem as KMS does, with the value', () => {
    expect(messageOf({ KeyId: 'k', Plaintext: 'x', Limit: 0 })).toBe(
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(messageOf({ Plaintext: 'x' })).toBe(
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
    expect(messageOf({ KeyId: 'k', Plaintext: 'x', Spec: 'C' })).toBe(
      "1 validation error detected: Value 'C' at 'spec' failed to satisfy constraint: Member must satisfy enum value set: [A, B]",
    );
    expect(messageOf({ KeyId: 'k', Plaintext: 'x', Name: 'A1' })).toBe(
      "1 validation error detected: Value 'A1' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$",
    );
  });

  it('numbers list members from 1, counts several problems, never echoes data members', () => {
    const message = messageOf({
      KeyId: '',
      Plaintext: 'secret-data',
      Tags: [
        { TagKey: 'ok', TagValue: '' },
        { TagKey: '', TagValue: '' },
      ],
    });
    expect(message).toBe(
      "3 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4; Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(message).not.toContain('secret-data');
  });
});
