/**
 * The process under load for bench/vrrp-load.ts: one lvsd-like process running the VRRP service
 * (worker thread, as the daemon does) AND the health engine with N TCP checks per interval against
 * a local nginx — 10,000 targets at 1 s = 10,000 checks/s on the main thread.
 *   node dist/bench/vrrp-load-node.js VRRP.json TARGETS INTERVAL_MS PORT MAX_SECONDS
 * Runs until "stop" arrives on stdin (or MAX_SECONDS), then prints one JSON line of figures
 * (checks done, main-thread event-loop delay) and exits.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HealthEngine, type HealthTarget } from '../src/health/engine.js';
import { checkSchema } from '../src/health/schema.js';
import { vrrpInstanceSchema } from '../src/vrrp/schema.js';
import { VrrpService } from '../src/vrrp/service.js';

async function main(): Promise<void> {
  const [file, nArg, ivArg, portArg, secArg] = process.argv.slice(2);
  const raw = JSON.parse(readFileSync(file!, 'utf8')) as { vrrp_instance: unknown[] };
  const svc = new VrrpService({ instances: raw.vrrp_instance.map((i) => vrrpInstanceSchema.parse(i)), routerId: 'load', thread: process.env.LVSD_VRRP_THREAD !== '0' });
  svc.onTransition((t) => process.stdout.write(JSON.stringify({ ev: 'transition', ...t }) + '\n'));
  await svc.start();
  const n = Number(nArg);
  const spec = checkSchema.parse({ type: 'tcp', interval: `${ivArg}ms`, timeout: '500ms', rise: 1, fall: 3, warmup: true });
  const targets: HealthTarget[] = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, address: `127.0.${(i >> 8) & 0xff}.${(i & 0xff) + 1}`, port: Number(portArg), spec }));
  const engine = new HealthEngine();
  let downs = 0;
  engine.onTransition((e) => (downs += e.to === 'down' ? 1 : 0));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  engine.setTargets(targets);
  const t0 = performance.now();
  const probes = () => targets.reduce((s, t) => s + (engine.status(t.id)?.probes ?? 0), 0);
  let last = 0;
  const tick = setInterval(() => {
    const p = probes();
    process.stdout.write(JSON.stringify({ ev: 'rate', checksPerSec: p - last, lagP99Ms: lag.percentile(99) / 1e6 }) + '\n');
    last = p;
  }, 1000);
  await new Promise<void>((r) => {
    setTimeout(r, Number(secArg) * 1000);
    process.stdin.on('data', (d: Buffer) => d.toString().includes('stop') && r());
  });
  clearInterval(tick);
  const secs = (performance.now() - t0) / 1000;
  const summary = { ev: 'summary', seconds: secs, checks: probes(), checksPerSec: probes() / secs, downs, loopDelayP99Ms: lag.percentile(99) / 1e6, loopDelayMaxMs: lag.max / 1e6, stats: engine.stats() };
  process.stdout.write(JSON.stringify(summary) + '\n');
  await engine.stop();
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
