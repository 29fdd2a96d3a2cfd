/**
 * The process under load for bench/vrrp-load.ts: one lvsd-like process running the VRRP service
 * (worker thread, as the daemon does) AND the health engine with N TCP checks per interval against
 * a local nginx — 10,000 targets at 1 s = 10,000 checks/s on the main thread — AND, when
 * LVSD_LOAD_SYNC=SxD is set (e.g. 1000x10), the reconciler syncing an S×D table against the memory
 * dataplane every 5 s, every pass rewriting every weight (S×D edit-dest ops): the same main thread
 * that the daemon's reconciler runs on. (The host kernel has no IPVS, so the table is in memory.)
 *   node dist/bench/vrrp-load-node.js VRRP.json TARGETS INTERVAL_MS PORT MAX_SECONDS
 * Runs until "stop" arrives on stdin (or MAX_SECONDS), then prints one JSON line of figures
 * (checks done, main-thread event-loop delay) and exits.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemoryDataplane } from '../src/dataplane/memory.js';
import type { HealthTarget } from '../src/health/engine.js';
import { realHealthEngine } from '../src/daemon/compose.js';
import { checkSchema } from '../src/health/schema.js';
import { serviceKey, type IpvsTable } from '../src/ipvs/types.js';
import { Reconciler } from '../src/plan/reconciler.js';
import { systemClock } from '../src/util/clock.js';
import { vrrpInstanceSchema } from '../src/vrrp/schema.js';
import { VrrpService } from '../src/vrrp/service.js';

/** An S×D NAT table whose every weight is `w` (1000×10 is the "large table"). */
function bigTable(s: number, d: number, w: number): IpvsTable {
  return {
    services: Array.from({ length: s }, (_, i) => ({
      id: {
        af: 'inet' as const,
        protocol: 'tcp' as const,
        address: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
        port: 80,
      },
      scheduler: 'wrr',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
      destinations: Array.from({ length: d }, (_, j) => ({
        af: 'inet' as const,
        address: `10.200.${j}.${(i % 250) + 1}`,
        port: 8080 + (i >> 8),
        forwarding: 'nat' as const,
        weight: w,
        upperThreshold: 0,
        lowerThreshold: 0,
      })),
    })),
  };
}

/** Starts the periodic large-table sync; returns a stop function and the figures so far. */
function startSync(spec: string | undefined): { stop: () => void; figures: () => Record<string, number> } {
  const m = /^(\d+)x(\d+)$/.exec(spec ?? '');
  if (!m) return { stop: () => {}, figures: () => ({}) };
  const tables = [bigTable(Number(m[1]), Number(m[2]), 1), bigTable(Number(m[1]), Number(m[2]), 2)];
  const owned = new Set(tables[0]!.services.map((s) => serviceKey(s.id)));
  const rec = new Reconciler({ dataplane: new MemoryDataplane(), clock: systemClock });
  let passes = 0,
    ops = 0,
    maxMs = 0,
    flip = 0;
  const run = () =>
    void rec.reconcile(tables[flip++ % 2]!, owned).then((r) => {
      passes++;
      ops += r.ops.length;
      maxMs = Math.max(maxMs, r.durationMs);
    });
  run();
  const t = setInterval(run, 5000);
  return { stop: () => clearInterval(t), figures: () => ({ syncPasses: passes, syncOps: ops, syncPassMaxMs: maxMs }) };
}

async function main(): Promise<void> {
  const [file, nArg, ivArg, portArg, secArg] = process.argv.slice(2);
  const raw = JSON.parse(readFileSync(file!, 'utf8')) as { vrrp_instance: unknown[] };
  const svc = new VrrpService({
    instances: raw.vrrp_instance.map((i) => vrrpInstanceSchema.parse(i)),
    routerId: 'load',
    thread: process.env.LVSD_VRRP_THREAD !== '0',
  });
  svc.onTransition((t) => process.stdout.write(JSON.stringify({ ev: 'transition', ...t }) + '\n'));
  await svc.start();
  const n = Number(nArg);
  const spec = checkSchema.parse({
    type: 'tcp',
    interval: `${ivArg}ms`,
    timeout: '500ms',
    rise: 1,
    fall: 3,
    warmup: true,
  });
  const targets: HealthTarget[] = Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    address: `127.${1 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`,
    port: Number(portArg),
    spec,
  }));
  const engine = realHealthEngine();
  let downs = 0;
  engine.onTransition((e) => (downs += e.to === 'down' ? 1 : 0));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  engine.setTargets(targets);
  const sync = startSync(process.env.LVSD_LOAD_SYNC);
  const t0 = performance.now();
  const probes = () => targets.reduce((s, t) => s + (engine.status(t.id)?.probes ?? 0), 0);
  let last = 0;
  const tick = setInterval(() => {
    const p = probes();
    process.stdout.write(
      JSON.stringify({ ev: 'rate', checksPerSec: p - last, lagP99Ms: lag.percentile(99) / 1e6 }) + '\n',
    );
    last = p;
  }, 1000);
  await new Promise<void>((r) => {
    setTimeout(r, Number(secArg) * 1000);
    process.stdin.on('data', (d: Buffer) => d.toString().includes('stop') && r());
  });
  clearInterval(tick);
  sync.stop();
  const secs = (performance.now() - t0) / 1000;
  const summary = {
    ev: 'summary',
    seconds: secs,
    checks: probes(),
    checksPerSec: probes() / secs,
    downs,
    loopDelayP99Ms: lag.percentile(99) / 1e6,
    loopDelayMaxMs: lag.max / 1e6,
    stats: engine.stats(),
    ...sync.figures(),
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
  await engine.stop();
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
