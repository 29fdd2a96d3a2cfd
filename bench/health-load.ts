/**
 * The measured side of the host health benchmark: runs ONLY lvsd's HealthEngine (no dataplane) against
 * N TCP and M HTTP targets at a 1 s interval, then prints one JSON line with its own CPU (user/system),
 * peak RSS, scheduler lag p99, rounds completed and the success ratio over the measurement window.
 * Usage: node dist/bench/health-load.js <tcpTargets> <httpTargets> <port> <warmupS> <measureS> [metrics=1|0]
 * Meant to run inside the benchmark's own network namespace (see health-host.ts).
 */
import { Registry } from 'prom-client';
import type { HealthEngine, HealthTarget } from '../src/health/engine.js';
import { realHealthEngine } from '../src/daemon/compose.js';
import { HealthMetrics } from '../src/health/metrics.js';
import { checkSchema } from '../src/health/schema.js';

/**
 * Address of target i: 127.(base+).b.c by default (avoids .0 and .255), or PREFIX.b.c when the
 * environment sets LVSD_BENCH_TCP_PREFIX (e.g. "10.50", as in the keepalived comparison).
 */
function addr(base: number, i: number): string {
  const prefix = process.env.LVSD_BENCH_TCP_PREFIX;
  if (prefix && base === 50) return `${prefix}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  return `127.${base + Math.floor(i / 62500)}.${Math.floor((i % 62500) / 250)}.${(i % 250) + 1}`;
}

function targets(tcp: number, http: number, port: number): HealthTarget[] {
  const common = { interval: '1s', timeout: '900ms' };
  const tcpSpec = checkSchema.parse({ type: 'tcp', ...common });
  const httpSpec = checkSchema.parse({ type: 'http', path: '/h', ...common });
  const out: HealthTarget[] = [];
  for (let i = 0; i < tcp; i++) out.push({ id: `tcp${i}`, address: addr(50, i), port, spec: tcpSpec });
  for (let i = 0; i < http; i++) out.push({ id: `http${i}`, address: addr(60, i), port, spec: httpSpec });
  return out;
}

/** p50/p99/max of the last round's duration (ms) of every target whose id starts with `prefix`. */
function roundMs(engine: HealthEngine, list: HealthTarget[], prefix: string): string {
  const ms = list
    .filter((t) => t.id.startsWith(prefix))
    .map((t) => engine.status(t.id)!.lastResults.at(-1)?.ms ?? NaN)
    .filter((x) => !Number.isNaN(x))
    .sort((a, b) => a - b);
  const at = (q: number): string =>
    ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * q))].toFixed(2) : '-';
  return `${at(0.5)}/${at(0.99)}/${ms.length ? ms[ms.length - 1].toFixed(2) : '-'}`;
}

function totals(
  engine: HealthEngine,
  list: HealthTarget[],
): { rounds: number; ok: number; fails: Map<string, number> } {
  let rounds = 0;
  let ok = 0;
  const fails = new Map<string, number>();
  for (const t of list) {
    const s = engine.status(t.id)!;
    rounds += s.probes;
    const last = s.lastResults.at(-1);
    if (last?.ok) ok++;
    else if (last)
      fails.set(last.detail.replace(/[\d.]+:\d+/g, 'X'), (fails.get(last.detail.replace(/[\d.]+:\d+/g, 'X')) ?? 0) + 1);
  }
  return { rounds, ok, fails };
}

async function main(): Promise<void> {
  const [tcp, http, port, warmS, measureS] = process.argv.slice(2, 7).map(Number);
  const withMetrics = process.argv[7] !== '0';
  const engine = realHealthEngine({ metrics: withMetrics ? new HealthMetrics(new Registry()) : undefined });
  const list = targets(tcp, http, port);
  engine.setTargets(list);
  await new Promise((r) => setTimeout(r, warmS * 1000));
  const r0 = totals(engine, list).rounds;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], m[k]);
  };
  const sampler = setInterval(sample, 250);
  await new Promise((r) => setTimeout(r, measureS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) * 1000;
  clearInterval(sampler);
  sample();
  const mb = (n: number): number => Math.round(n / 1048576);
  const end = totals(engine, list);
  const stats = engine.stats();
  const result = {
    tcpTargets: tcp,
    httpTargets: http,
    metrics: withMetrics,
    windowS: +(wall / 1e6).toFixed(2),
    roundsPerS: Math.round(((end.rounds - r0) * 1e6) / wall),
    cpuCores: +((cpu.user + cpu.system) / wall).toFixed(3),
    userCores: +(cpu.user / wall).toFixed(3),
    systemCores: +(cpu.system / wall).toFixed(3),
    peakRssMB: mb(peak.rss),
    peakHeapTotalMB: mb(peak.heapTotal),
    peakHeapUsedMB: mb(peak.heapUsed),
    peakExternalMB: mb(peak.external),
    peakArrayBuffersMB: mb(peak.arrayBuffers),
    schedulerLagP99Ms: +stats.schedulerLagP99Ms.toFixed(2),
    tcpRoundMsP50P99Max: roundMs(engine, list, 'tcp'),
    httpRoundMsP50P99Max: roundMs(engine, list, 'http'),
    uniqueProbes: stats.probes,
    lastRoundOk: +(end.ok / list.length).toFixed(4),
    failures: Object.fromEntries([...end.fails.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  await engine.stop();
  process.exit(0);
}

void main();
