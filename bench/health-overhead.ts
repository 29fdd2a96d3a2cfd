/**
 * The engine's own cost per round, without sockets: N targets at a 1 s interval whose checker answers
 * at once (a resolved promise). Shows what the scheduler, runner, rise/fall state and metrics cost per
 * round, and whether one timer + a min-heap keeps 12,000 rounds/s on schedule.
 * Usage: node dist/bench/health-overhead.js [targets=12000] [metrics=1|0] [measureS=10] [start|probe]
 */
import { Registry } from 'prom-client';
import type { Checker } from '../src/health/checker.js';
import { realHealthEngine } from '../src/daemon/compose.js';
import { HealthMetrics } from '../src/health/metrics.js';
import { checkSchema, type CheckSpec } from '../src/health/schema.js';

const [n = 12_000, m = 1, measureS = 10] = process.argv.slice(2, 5).map(Number);
const OK = { ok: true, detail: 'connected' };
/** "probe": the promise form (AbortSignal per probe); "start": the callback form the tcp checker uses. */
const form = process.argv[5] === 'probe' ? 'probe' : 'start';
const instant: Checker<CheckSpec> = {
  kind: 'tcp',
  schema: checkSchema,
  probe: () => Promise.resolve(OK),
  start: form === 'start' ? (_t, _s, done) => (done(OK), () => {}) : undefined,
};

async function main(): Promise<void> {
  const engine = realHealthEngine({
    checkers: new Map([['tcp', instant]]),
    metrics: m ? new HealthMetrics(new Registry()) : undefined,
  });
  const spec = checkSchema.parse({ type: 'tcp', interval: '1s', timeout: '900ms' });
  const ids = Array.from({ length: n }, (_, i) => `t${i}`);
  engine.setTargets(
    ids.map((id, i) => ({ id, address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 80, spec })),
  );
  const rounds = () => ids.reduce((s, id) => s + engine.status(id)!.probes, 0);
  await new Promise((r) => setTimeout(r, 3000));
  const r0 = rounds();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureS * 1000));
  const c = process.cpuUsage(c0);
  const wallUs = (performance.now() - t0) * 1000;
  const done = rounds() - r0;
  const out = {
    targets: n,
    form,
    metrics: !!m,
    roundsPerS: Math.round((done * 1e6) / wallUs),
    cores: +((c.user + c.system) / wallUs).toFixed(3),
    usPerRound: +((c.user + c.system) / done).toFixed(1),
    lagP99Ms: +engine.stats().schedulerLagP99Ms.toFixed(1),
    rssMB: Math.round(process.memoryUsage().rss / 1048576),
  };
  console.log(JSON.stringify(out));
  await engine.stop();
}

void main();
