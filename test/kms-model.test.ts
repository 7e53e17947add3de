/**
 * The KMS emulator against the KMS service model: the operation list and enums match botocore's
 * service-2.json and the AWS SDK v3; every model operation is served or answers
 * UnsupportedOperationException; docs/kms-emulator.md lists each one's status; and every served
 * operation, called with a request built from the model, answers with the model's output shape or
 * one of the errors the model lists for it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as enums from '@aws-sdk/client-kms';
import {
  ACTION_NAMES,
  GrantOperation,
  KeySpec,
  KeyUsageType,
  KMS_MODEL_OPERATIONS,
  OriginType,
  operationStatusTable,
  RotationType,
  SigningAlgorithmSpec,
} from '@xkslab/kms-emulator';
import { createTestEmulator, rejection } from '@xkslab/kms-emulator/testing';
import { describe, expect, it } from 'vitest';
import { loadBotocoreKmsModel } from './support/kms-model.ts';
import { conformanceRun, enumRun } from './support/kms-model-run.ts';

const model = loadBotocoreKmsModel();
const DOC = join(import.meta.dirname, '..', 'docs', 'kms-emulator.md');
const BEGIN = '<!-- operations:begin -->';
const END = '<!-- operations:end -->';

function sdkCommands(): string[] {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@aws-sdk/client-kms');
  const commands = join(dirname(entry), '..', 'dist-es', 'commands');
  return readdirSync(commands)
    .filter((f) => f.endsWith('Command.js'))
    .map((f) => f.slice(0, -'Command.js'.length))
    .sort();
}

describe('the KMS service model', () => {
  it('lists every operation of botocore’s model and of the AWS SDK v3', () => {
    const ours = [...KMS_MODEL_OPERATIONS].sort();
    expect(ours).toEqual(sdkCommands());
    for (const op of Object.keys(model.operations)) expect(ours).toContain(op);
  });

  it('serves each model operation or answers UnsupportedOperationException', async () => {
    const t = await createTestEmulator();
    const unserved = KMS_MODEL_OPERATIONS.filter((op) => !ACTION_NAMES.includes(op));
    expect(unserved).toEqual(expect.arrayContaining(['ReplicateKey', 'UpdatePrimaryRegion']));
    for (const op of unserved) {
      const refused = await rejection(t.client.call(op, {}));
      expect(refused.name, op).toBe('UnsupportedOperationException');
    }
    for (const op of ACTION_NAMES) expect(KMS_MODEL_OPERATIONS, op).toContain(op);
    const unknown = await rejection(t.client.call('NotAnOperation', {}));
    expect(unknown.name).toBe('UnknownOperationException');
  });

  it('docs/kms-emulator.md lists every operation with its status', () => {
    const text = readFileSync(DOC, 'utf8');
    const table = operationStatusTable();
    const start = text.indexOf(BEGIN) + BEGIN.length;
    const end = text.indexOf(END);
    expect(start).toBeGreaterThan(BEGIN.length - 1);
    const current = text.slice(start, end).trim();
    if (current !== table && process.env.XKSLAB_UPDATE_DOCS === '1') {
      writeFileSync(DOC, `${text.slice(0, start)}\n${table}\n${text.slice(end)}`);
      return;
    }
    expect(current, 'regenerate with XKSLAB_UPDATE_DOCS=1').toBe(table);
  });

  it('uses the model’s enums: those of the SDK v3, a superset of botocore’s', () => {
    const sdk = enums as unknown as Record<string, Record<string, string>>;
    const pairs = {
      GrantOperation,
      KeySpec,
      KeyUsageType,
      OriginType,
      RotationType,
      SigningAlgorithmSpec,
    };
    for (const [name, values] of Object.entries(pairs)) {
      expect([...values].sort(), name).toEqual(Object.values(sdk[name] ?? {}).sort());
      for (const v of model.shapes[name]?.enum ?? []) expect(values, name).toContain(v);
    }
  });

  it('answers every served operation with the model’s output shape or one of its errors', async () => {
    const results = await conformanceRun(model);
    const problems = results.flatMap((r) => r.problems.map((p) => `${r.operation}: ${p}`));
    expect(problems).toEqual([]);
    const served = results.filter((r) => r.outcome === 'ok').map((r) => r.operation);
    // Most operations succeed in the prepared account, so their outputs are really checked.
    expect(served.length).toBeGreaterThanOrEqual(Math.ceil(results.length * 0.75));
  }, 120_000);

  it('answers a value outside a model enum with ValidationException, in KMS’s words', async () => {
    const { checked, problems } = await enumRun(model);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(14);
  });
});
