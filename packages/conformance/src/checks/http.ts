import { XKS_API_SUFFIX } from '@xkslab/protocol';
import { healthBody, metadataBody } from '../bodies.ts';
import { defineCheck } from '../check.ts';
import { describeReply, expectError, fail } from '../expect.ts';

export const httpChecks = [
  defineCheck({
    id: 'http.get-405',
    title: 'GET on each of the four API URIs is 405 Method Not Allowed',
    specRef: '§1.1',
    severity: 'MUST',
    why: 'The spec requires 405 for GET on the API URIs; a 200 means the proxy routes loosely.',
    async run(ctx) {
      const key = ctx.options.keyId;
      for (const path of [
        ctx.healthPath(),
        ctx.keyPath(key, 'metadata'),
        ctx.keyPath(key, 'encrypt'),
        ctx.keyPath(key, 'decrypt'),
      ]) {
        const reply = await ctx.signedGet(path);
        if (reply.status !== 405) fail(`GET ${path}: expected 405, got ${describeReply(reply)}`);
      }
    },
  }),
  defineCheck({
    id: 'http.unknown-path',
    title: 'A signed POST to an unknown path is 404 InvalidUriPathException',
    specRef: '§1.7',
    severity: 'MUST',
    why: 'Unknown paths must be InvalidUriPathException, which KMS reports as a configuration error.',
    async run(ctx) {
      const base = ctx.run.endpoint.basePath;
      const key = ctx.options.keyId;
      for (const path of [
        `${base}/keys/${key}/rotate`,
        `${base}/keys/${key}`,
        `${base}/status`,
        `${base.slice(0, -XKS_API_SUFFIX.length)}/kms/xks/v2/health`,
      ]) {
        expectError(
          await ctx.post(path, metadataBody()),
          'InvalidUriPathException',
          `POST ${path}`,
        );
      }
    },
  }),
  defineCheck({
    id: 'http.wrong-prefix',
    title: 'A signed POST under another URI path prefix is 404 InvalidUriPathException',
    specRef: '§1.7',
    severity: 'MUST',
    why: "The URI path prefix separates key stores; one store's credential must not reach another's prefix.",
    async run(ctx) {
      const path = `/xkslab-conformance-no-such-prefix${XKS_API_SUFFIX}/health`;
      expectError(await ctx.post(path, healthBody()), 'InvalidUriPathException', `POST ${path}`);
    },
  }),
];
