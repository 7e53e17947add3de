import { GetHealthStatusResponse } from '@xkslab/protocol';
import { healthBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import { expectError, expectOk, fail } from '../expect.ts';

export const healthChecks = [
  defineCheck({
    id: 'health.ok',
    title: 'GetHealthStatus answers 200 with every field the spec requires',
    specRef: '§1.6',
    severity: 'MUST',
    why: 'KMS calls GetHealthStatus when a key store is created, updated or connected; a missing or malformed field fails those calls.',
    async run(ctx) {
      const reply = await ctx.post(ctx.healthPath(), healthBody());
      const health = expectOk(reply, GetHealthStatusResponse, 'health');
      ctx.note(
        `${health.ekmFleetDetails.length} fleet entr${health.ekmFleetDetails.length === 1 ? 'y' : 'ies'}, vendor ${health.xksProxyVendor}`,
      );
    },
  }),
  defineCheck({
    id: 'health.fleet-active',
    title: 'Every key manager in ekmFleetDetails is ACTIVE',
    specRef: '§1.6',
    severity: 'SHOULD',
    why: "A key manager reported DEGRADED or UNAVAILABLE shows in the customer's CloudWatch metrics; all UNAVAILABLE makes ConnectCustomKeyStore fail.",
    async run(ctx) {
      const reply = await ctx.post(ctx.healthPath(), healthBody());
      const { ekmFleetDetails } = expectOk(reply, GetHealthStatusResponse, 'health');
      const states = ekmFleetDetails.map((n) => `${n.id}=${n.healthStatus}`).join(', ');
      if (ekmFleetDetails.every((n) => n.healthStatus === 'UNAVAILABLE')) {
        fail(`every key manager is UNAVAILABLE (${states}): KMS fails Create/Connect (§5)`);
      }
      if (ekmFleetDetails.some((n) => n.healthStatus !== 'ACTIVE')) {
        fail(`not every key manager is ACTIVE: ${states}`);
      }
      ctx.note(states);
    },
  }),
  defineCheck({
    id: 'health.missing-metadata',
    title: 'GetHealthStatus without requestMetadata is 400 ValidationException',
    specRef: '§1.7',
    severity: 'MUST',
    why: "AWS's test client sends a health call without requestMetadata and expects ValidationException; anything else is a malformed answer to it.",
    async run(ctx) {
      expectError(
        await ctx.post(ctx.healthPath(), {}),
        'ValidationException',
        'no requestMetadata',
      );
      expectError(
        await ctx.post(ctx.healthPath(), { requestMetadata: {} }),
        'ValidationException',
        'empty requestMetadata',
      );
    },
  }),
];
