/**
 * Pure-core benchmark: config load, planner and table diff for 1,000 virtual services × 10 real
 * servers (TCP checks), and a reload in which one weight changed, reconciled against the memory
 * dataplane (which counts writes like the kernel dataplane counts netlink messages).
 * Prints figures (median of several runs, ms) and the ratios the issue asks for; anchor: keepalived
 * #2318, a reload of 2,284 VS / 37,298 RS took 100-130 s.
 * Usage (after npm run build): node dist/bench/config-plan.js [services=1000] [dests=10]
 */
import { diffConfigs, summary } from '../src/config/diff.js';
import { parse as parseToml } from 'smol-toml';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { configSchema } from '../src/config/validate.js';
import { MemoryDataplane } from '../src/dataplane/memory.js';
import { emptyMemory, plan } from '../src/plan/desired.js';
import { NO_ADMIN } from '../src/plan/admin.js';
import { diffTables } from '../src/plan/diff.js';
import { Reconciler } from '../src/plan/reconciler.js';
import { systemClock } from '../src/util/clock.js';

const S = Number(process.argv[2] ?? 1000);
const D = Number(process.argv[3] ?? 10);

function configText(changedWeight?: number): string {
  let t = '[global]\nresync_interval = "30s"\n';
  for (let i = 0; i < S; i++) {
    t += `[[virtual_server]]\nname = "vs${i}"\naddress = "10.${(i >> 8) & 255}.${i & 255}.1"\nport = 80\nscheduler = "wrr"\ncheck = { type = "tcp", interval = "1s" }\n`;
    for (let j = 0; j < D; j++) {
      const w = i === 500 && j === 3 && changedWeight !== undefined ? changedWeight : 100;
      t += `[[virtual_server.real_server]]\naddress = "172.16.${i & 255}.${j + 10}"\nport = ${8000 + (i >> 8)}\nweight = ${w}\n`;
    }
  }
  return t;
}

function load(text: string): Config {
  const r = parseConfig(text, 'bench.toml');
  if (!r.ok)
    throw new Error(
      r.problems
        .slice(0, 3)
        .map((p) => `${p.path}: ${p.message}`)
        .join('\n'),
    );
  return r.config;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(runs: number, f: () => T): { ms: number; value: T } {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = f();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), value };
}

const up = { health: () => ({ up: true }), admin: NO_ADMIN, now: 0 };
const text0 = configText(),
  text1 = configText(55);
const loadT = time(5, () => load(text0));
const cfg0 = loadT.value;
const tomlT = time(5, () => parseToml(text0) as unknown);
const schemaT = time(5, () => configSchema.safeParse(tomlT.value));
const planT = time(20, () => plan({ config: cfg0, ...up }));
const desired0 = planT.value.table;
const owned = new Set(cfg0.virtual_server.map((v) => v.key));
const fullDiff = time(20, () => diffTables({ services: [] }, desired0, owned));
const equalDiff = time(20, () => diffTables(desired0, desired0, owned));
const cfg1 = load(text1);
const desired1 = plan({ config: cfg1, ...up }).table;
const oneOp = diffTables(desired0, desired1, owned);

/** Wall and CPU milliseconds of an async phase (CPU is robust when other processes share the cores). */
async function phase<T>(f: () => Promise<T> | T): Promise<{ wall: number; cpu: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, value };
}

const dp = new MemoryDataplane();
const rec = new Reconciler({ dataplane: dp, clock: systemClock });
// startup: load, plan, reconcile from an empty table
const initial = await phase(async () => {
  const c = load(text0);
  return rec.reconcile(plan({ config: c, ...up }).table, new Set(c.virtual_server.map((v) => v.key)));
});
const writesBefore = dp.writes;
// reload (SIGHUP path): load + validate, diff configs, plan, reconcile
let line = '';
const reload = await phase(async () => {
  const next = load(text1);
  line = summary(diffConfigs(cfg0, next));
  const p1 = plan({ config: next, previous: cfg0, ...up, actual: rec.lastActual() }, emptyMemory());
  return rec.reconcile(p1.table, new Set([...owned, ...next.virtual_server.map((v) => v.key)]));
});
const reconcileOnly = await phase(() => rec.reconcile(desired1, owned));
const emptyRec = new Reconciler({ dataplane: new MemoryDataplane(), clock: systemClock });
const recInitial = await phase(() => emptyRec.reconcile(desired0, owned));
const fullRec = new Reconciler({ dataplane: new MemoryDataplane(desired0), clock: systemClock });
const recOne = await phase(() => fullRec.reconcile(desired1, owned));

const f = (n: number) => n.toFixed(1);
const wc = (x: { wall: number; cpu: number }) => `${f(x.wall)} ms wall, ${f(x.cpu)} ms CPU`;
console.log(`lvsd config/plan bench: ${S} services × ${D} dests = ${S * D} dests (node ${process.version})`);
console.log(`load (TOML parse + validate + normalize), ${text0.length} bytes: ${f(loadT.ms)} ms (median of 5)`);
console.log(
  `  of which TOML parse (smol-toml): ${f(tomlT.ms)} ms; zod schema + cross-field rules + normalize: ${f(schemaT.ms)} ms`,
);
console.log(`plan (pure planner): ${f(planT.ms)} ms (median of 20)`);
console.log(`diffTables empty → desired: ${f(fullDiff.ms)} ms, ${fullDiff.value.length} ops`);
console.log(`diffTables equal tables: ${f(equalDiff.ms)} ms, ${equalDiff.value.length} ops`);
console.log(`diffTables one weight changed: ${oneOp.length} op(s): ${oneOp.map((o) => o.op).join(', ')}`);
console.log(
  `startup (load + plan + reconcile from empty): ${wc(initial)}, ${initial.value.writes} writes (${writesBefore} counted by the dataplane)`,
);
console.log(
  `reload, one weight changed (load + diff + plan + reconcile): ${wc(reload)}, ${reload.value.writes} write(s) (${dp.writes - writesBefore} counted); summary: ${line}`,
);
console.log(
  `ratio reload / startup: ${(reload.wall / initial.wall).toFixed(2)} wall, ${(reload.cpu / initial.cpu).toFixed(2)} CPU`,
);
console.log(
  `reconcile only: full sync ${wc(recInitial)} (${recInitial.value.writes} writes); one weight ${wc(recOne)} (${recOne.value.writes} write); ratio ${(recOne.wall / recInitial.wall).toFixed(2)} wall`,
);
console.log(`steady-state pass with nothing to do: ${wc(reconcileOnly)}, ${reconcileOnly.value.writes} writes`);
console.log(`anchor keepalived #2318: 37,298-server reload 100-130 s`);
