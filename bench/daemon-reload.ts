/**
 * Reload benchmark: a config of SERVICES × DESTS (default 1,000 × 10) in which ONE weight changes.
 * Runs `lvsd -f --dataplane memory` (or kernel with DATAPLANE=kernel, e.g. inside UML) as a
 * process, measures the initial full sync (the first reconcile's own duration and start → applied),
 * then for ROUNDS reloads: SIGHUP → the log line of the reconcile that applied it, and the number
 * of writes (lvsd_reconcile_writes_total is not needed: the reconcile line carries `ops`).
 * Anchor: keepalived #2318, a 37k-server reload took 100-130 s.
 *   node dist/bench/daemon-reload.js [SERVICES] [DESTS] [ROUNDS]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lvsd, bigConfig, pct, scratch } from './daemon-util.js';

const services = Number(process.argv[2] ?? 1000);
const dests = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 10);
const dataplane = process.env.DATAPLANE ?? 'memory';

async function main(): Promise<void> {
  const { dir, rm } = scratch('reload');
  const cfg = join(dir, 'lvsd.toml');
  let changed = 0;
  writeFileSync(cfg, bigConfig({ dir, services, dests }));
  const t0 = Date.now();
  const d = new Lvsd(['-f', cfg, '--dataplane', dataplane]);
  try {
    const first = await d.next((l) => l.msg === 'reconciled');
    const started = await d.next((l) => l.msg === 'lvsd started');
    const initialMs = Number(first.l.ms);
    console.log(
      `initial sync: ${first.l.ops} ops, reconcile ${initialMs.toFixed(1)} ms; process start → applied ${first.at - t0} ms`,
    );
    const times: number[] = [];
    const ops: number[] = [];
    let from = started.i + 1;
    for (let r = 0; r < rounds; r++) {
      changed++;
      writeFileSync(
        cfg,
        bigConfig({
          dir,
          services,
          dests,
          weight: (s, x) => (s === 500 % services && x === 3 % dests ? 100 + changed : 100),
        }),
      );
      const t = Date.now();
      d.proc.kill('SIGHUP');
      const rec = await d.next((l) => l.msg === 'reconciled', from);
      const reloaded = await d.next((l) => typeof l.msg === 'string' && l.msg.startsWith('reloaded:'), from);
      from = rec.i + 1;
      times.push(rec.at - t);
      ops.push(Number(rec.l.ops));
      if (r === 0) console.log(`reload summary: ${String(reloaded.l.summary)}`);
    }
    const med = pct(times, 50);
    console.log(
      `reload (SIGHUP → applied, host clock, ${rounds} rounds): median ${med} ms, min ${Math.min(...times)}, max ${Math.max(...times)}`,
    );
    console.log(`writes per reload: ${[...new Set(ops)].join(',')} (must be exactly 1)`);
    console.log(`ratio reload / initial full sync (start → applied): ${(med / (first.at - t0)).toFixed(4)}`);
    console.log(
      `anchor: keepalived #2318, 37k servers, reload 100-130 s; this run ${services * dests} servers, ${med} ms`,
    );
    if (ops.some((o) => o !== 1)) process.exitCode = 1;
  } finally {
    await d.stop();
    rm();
  }
}

await main();
