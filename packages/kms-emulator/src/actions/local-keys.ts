/**
 * CreateKey for keys whose material the emulator holds: Origin AWS_KMS (material generated with
 * node:crypto) and Origin EXTERNAL (created PendingImport, material imported later, see
 * import-key-material.ts), with every key spec and usage KMS offers (key-specs.ts).
 */
import { type Core, keyMetadataOf, nowMs } from '../core.ts';
import { KmsError } from '../errors.ts';
import { keyArn } from '../ids.ts';
import { generateMaterial, specAndUsage } from '../key-specs.ts';
import type { KmsKey } from '../model.ts';
import type { CreateKeyRequest } from '../schemas.ts';
import { enumViolationMessage } from '../validation-message.ts';

const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'];

export function requireOrigin(origin: string): void {
  if (!ORIGINS.includes(origin)) {
    throw new KmsError('ValidationException', enumViolationMessage(origin, 'origin', ORIGINS));
  }
}

export async function createLocalKey(
  core: Core,
  input: CreateKeyRequest,
): Promise<{ KeyMetadata: Record<string, unknown> }> {
  const origin = input.Origin ?? 'AWS_KMS';
  requireOrigin(origin);
  if (origin !== 'AWS_KMS' && origin !== 'EXTERNAL') {
    throw new KmsError(
      'UnsupportedOperationException',
      `The KMS emulator does not create keys with Origin ${origin}.`,
    );
  }
  if (input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined) {
    throw new KmsError(
      'UnsupportedOperationException',
      `A key in a custom key store needs Origin EXTERNAL_KEY_STORE (or AWS_CLOUDHSM), not ${origin}.`,
    );
  }
  if (input.MultiRegion) {
    throw new KmsError(
      'UnsupportedOperationException',
      'The KMS emulator does not create multi-Region keys.',
    );
  }
  const { keySpec, keyUsage } = specAndUsage(input);
  return storeNewKey(
    core,
    input.Description,
    { state: origin === 'EXTERNAL' ? 'Disabled' : 'Enabled', keySpec, keyUsage, origin },
    async () =>
      origin === 'EXTERNAL' ? new Uint8Array(0) : await generateMaterial(keySpec, core.random),
  );
}

/**
 * Records a new key, CreateKey's last step: a new id (drawn before the material), its ARN, the
 * creation time and description, `fields`, and the material `materialOf` makes.
 */
export async function storeNewKey(
  core: Core,
  description: string | undefined,
  fields: Omit<KmsKey, 'id' | 'arn' | 'createdAt' | 'description' | 'material'>,
  materialOf: () => Uint8Array | Promise<Uint8Array>,
): Promise<{ KeyMetadata: Record<string, unknown> }> {
  const id = core.uuid();
  const key: KmsKey = {
    id,
    arn: keyArn(core.account, id),
    createdAt: nowMs(core),
    description: description ?? '',
    ...fields,
    material: await materialOf(),
  };
  core.keys.set(id, key);
  await core.save();
  return { KeyMetadata: keyMetadataOf(core, key) };
}
