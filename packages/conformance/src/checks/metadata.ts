import { GetKeyMetadataResponse } from '@xkslab/protocol';
import { KMS_KEY_ARN, metadataBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import { expectOk, fail } from '../expect.ts';

export const metadataChecks = [
  defineCheck({
    id: 'metadata.ok',
    title: 'GetKeyMetadata: AES_256, ENCRYPT and DECRYPT, ENABLED (what CreateKey needs)',
    specRef: '§1.3',
    severity: 'MUST',
    why: 'CreateKey fails with XksKeyInvalidConfigurationException unless the key is AES_256, ENCRYPT and DECRYPT, ENABLED.',
    async run(ctx) {
      const reply = await ctx.post(ctx.keyPath(ctx.options.keyId, 'metadata'), metadataBody());
      const md = expectOk(reply, GetKeyMetadataResponse, 'metadata');
      if (md.keySpec !== 'AES_256') {
        fail(`keySpec is ${JSON.stringify(md.keySpec)}; KMS CreateKey needs AES_256`);
      }
      for (const usage of ['ENCRYPT', 'DECRYPT']) {
        if (!md.keyUsage.includes(usage)) {
          fail(`keyUsage ${JSON.stringify(md.keyUsage)} lacks ${usage}; KMS CreateKey needs it`);
        }
      }
      if (md.keyStatus !== 'ENABLED') fail(`keyStatus is ${md.keyStatus}, expected ENABLED`);
      ctx.note(`${md.keySpec} [${md.keyUsage.join(',')}] ${md.keyStatus}`);
    },
  }),
  defineCheck({
    id: 'metadata.test-client-shape',
    title: 'GetKeyMetadata accepts DescribeKey with kmsKeyArn and kmsViaService (test client)',
    specRef: '§1.2',
    severity: 'MUST',
    why: "AWS's test client still sends DescribeKey with kmsKeyArn and kmsViaService; a proxy that refuses it fails the vendor's own acceptance run.",
    async run(ctx) {
      const body = metadataBody({
        kmsOperation: 'DescribeKey',
        kmsKeyArn: KMS_KEY_ARN,
        kmsViaService: 'ebs',
      });
      const reply = await ctx.post(ctx.keyPath(ctx.options.keyId, 'metadata'), body);
      expectOk(reply, GetKeyMetadataResponse, 'metadata (DescribeKey)');
    },
  }),
];
