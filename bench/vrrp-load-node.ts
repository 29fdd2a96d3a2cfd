/**
 * The process under load for bench/vrrp-load.ts: one lvsd-like process running the VRRP service
 * (worker thread, as the daemon does) AND the health engine with N TCP checks per interval against
 * a local nginx — 10,000 targets at 1 s = 10,000 checks/s on the main thread — AND, when
 * LVSD_LOAD_SYNC=SxD is set (e.g. 1000x10), the reconciler syncing an S×D table against the memory
 * dataplane every 5 s, every pass rewriting every weight (S×D edit-dest ops): the same main thread
 * that the daemon's reconciler runs on. (The host kernel has no IPVS, so the table is in memory.)
 *   node dist/bench/vrrp-load-node.js VRRP.json TARGETS INTERVAL_MS PORT MAX_SECONDS
 * Runs until "stop" arrives on stdin (or MAX_SECONDS), then prints one JSON line of figures
 * (checks done, main-thread event-loop delay) and exits. "mark" then "report" on stdin print the
 * figures of the window between them (measureWindows; used by bench/vrrp-flood.ts).
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemoryDataplane } from '../src/dataplane/memory.js';
import type { HealthTarget } from '../src/health/engine.js';
import type { HealthMetrics } from '../src/health/metrics.js';
import { realHealthEngine } from '../src/daemon/compose.js';
import { checkSchema } from '../src/health/schema.js';
import { serviceKey, type IpvsTable } from '../src/ipvs/types.js';
import { Reconciler } from '../src/plan/reconciler.js';
import { systemClock } from '../src/util/clock.js';
import { vrrpInstanceSchema } from '../src/vrrp/schema.js';
import type { InstanceStatus } from '../src/vrrp/instance.js';
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

/**
 * Figures over a window between "mark" and "report" on stdin: the whole process's CPU (main thread
 * and VRRP worker), checks done, main-thread event-loop delay, the engine's scheduler lag (every
 * round's, through the engine's metrics hook) and the VRRP instance's adverts sent and packets dropped.
 */
function measureWindows(probes: () => number, vrrp: () => InstanceStatus | undefined) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let lags: number[] = [];
  let open = false;
  let at = { t: 0, cpu: process.cpuUsage(), probes: 0, sent: 0, rejected: 0 };
  const rejected = () => Object.values(vrrp()?.rejected ?? {}).reduce((a, b) => a + b, 0);
  const metrics = {
    trackInFlight: () => undefined,
    schedulerLag: { observe: (s: number) => void (open && lags.push(s * 1000)) },
    probeLabels: () => 0,
    observeProbeWith: () => undefined,
    transitions: { inc: () => undefined },
    resultSlot: () => 0,
    countProbe: () => undefined,
  } as unknown as HealthMetrics;
  const pctl = (xs: number[], p: number) =>
    xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  return {
    metrics,
    mark() {
      loop.reset();
      loop.enable();
      lags = [];
      open = true;
      at = {
        t: performance.now(),
        cpu: process.cpuUsage(),
        probes: probes(),
        sent: vrrp()?.advertsSent ?? 0,
        rejected: rejected(),
      };
    },
    report() {
      const secs = (performance.now() - at.t) / 1000;
      const c = process.cpuUsage(at.cpu);
      return {
        seconds: secs,
        cpuCores: (c.user + c.system) / 1e6 / secs,
        systemCores: c.system / 1e6 / secs,
        checksPerSec: (probes() - at.probes) / secs,
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        engineLagP99Ms: pctl(lags, 0.99),
        engineLagMaxMs: lags.reduce((m, x) => (x > m ? x : m), 0),
        engineRounds: lags.length,
        advertsSent: (vrrp()?.advertsSent ?? 0) - at.sent,
        rejected: rejected() - at.rejected,
      };
    },
  };
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
  const win = measureWindows(
    () => probes(),
    () => svc.status()[0],
  );
  const engine = realHealthEngine({ metrics: win.metrics });
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
    process.stdin.on('data', (d: Buffer) => {
      const cmd = d.toString();
      if (cmd.includes('mark')) win.mark();
      if (cmd.includes('report')) process.stdout.write(JSON.stringify({ ev: 'window', ...win.report() }) + '\n');
      if (cmd.includes('stop')) r();
    });
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
