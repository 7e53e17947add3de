// @ts-check
// `pnpm bench` (through turbo) lands here for the end-to-end part: XKS over HTTP/HTTPS against a
// bare node:http server, a fixed-rate run, and key store scale. Module crypto and SigV4 verify
// are benchmarked by packages/vcm/bench and packages/sigv4/bench.
//
// Flags (after `pnpm bench --`) or BENCH_* variables: --quick, --only http,rate,scale,
// --duration S, --rounds N, --connections N, --rate R, --rate-duration S, --rate-rounds N, --scale-max N,
// --scale-rounds N, --engine auto|native|node|noble. Writes bench/results/xks-http.json, xks-rate.json, xks-scale.json.
import { closedLoopBench } from './http.mjs';
import { benchOptions, machineInfo, machineLine, writeResult } from './lib/common.mjs';
import { assertBuilt } from './lib/servers.mjs';
import { fixedRateBench } from './rate.mjs';
import { scaleBench } from './scale.mjs';

if (process.argv.includes('--help')) {
  console.log(`node bench/run.mjs [flags]   (or pnpm bench -- [flags])

  --quick                 short runs (2 s measurements, 1 round, 1,000 keys)
  --only http,rate,scale  sections to run (default all)
  --duration S --rounds N --connections N   closed-loop HTTP measurements
  --rate R --rate-duration S --rate-rounds N   fixed-rate run: S seconds a case, in N interleaved rounds (6)
  --scale-max N --scale-rounds N            key store scale
  --engine auto|native|node|noble  AES-GCM engine of the server (default auto, as serve)
  --compare PATH          another build's main.js, measured beside this one

Writes bench/results/xks-http.json, xks-rate.json, xks-scale.json.`);
  process.exit(0);
}
const opts = benchOptions();
assertBuilt();
const sections = opts.only.length ? opts.only : ['http', 'rate', 'scale'];
const date = () => new Date().toISOString();
console.log(`xkslab end-to-end bench on ${machineLine(machineInfo())}`);
if (sections.includes('http')) {
  const machine = machineInfo();
  const report = await closedLoopBench(opts);
  await writeResult('xks-http', { benchmark: 'xks-http', date: date(), machine, ...report });
}
if (sections.includes('rate')) {
  const machine = machineInfo();
  const report = await fixedRateBench(opts);
  await writeResult('xks-rate', { benchmark: 'xks-rate', date: date(), machine, ...report });
}
if (sections.includes('scale')) {
  const machine = machineInfo();
  const report = await scaleBench(opts);
  await writeResult('xks-scale', { benchmark: 'xks-scale', date: date(), machine, ...report });
}
