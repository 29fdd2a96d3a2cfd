/**
 * Flows surviving a director's removal and return, out of N (300, 3,000), in one user-mode Linux guest
 * (src/lab/ecmp): 3 lvsd directors (mh + mh-port, sloppy_tcp) behind a BIRD router with kernel ECMP.
 * Root; `npm run build` first.
 *   node dist/bench/ecmp-flows.js [flows=300,3000] [scheduler=mh]
 * Prints, per run, the share of flows that continued on the same backend in each phase. Times inside
 * UML are not quoted; the figures are counts.
 */
import { runEcmp } from '../src/lab/ecmp/run.js';

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '300,3000').split(',').map(Number);
  const scheduler = (process.argv[3] ?? 'mh') as 'mh' | 'wrr';
  console.log('| flows | scheduler | spread (d1/d2/d3) | d2 SIGTERM | d2 back | d2 crash | d2 back after crash |');
  console.log('|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const r = await runEcmp({ mode: 'lvsd', scheduler, flows: n, periodMs: n > 1000 ? 3000 : 500 });
    const res = r.result;
    if (!res || res.error) {
      console.log(`| ${n} | ${scheduler} | run failed: ${res?.error ?? r.log.slice(-300)} |`);
      continue;
    }
    const phases = res.phases.map((p) => `${p.continued}/${p.before} (${(p.ratio * 100).toFixed(1)}%)`);
    const spread = Object.values(res.spread).join('/');
    console.log(`| ${n} | ${scheduler} | ${spread} | ${phases.join(' | ')} |`);
  }
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
