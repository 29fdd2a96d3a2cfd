/**
 * Planner properties over random health, drains, time and reloads: the desired table is always one
 * the kernel-like memory dataplane accepts op by op, weights stay within 0..configured, every
 * configured service appears exactly once, and reconciling twice is a no-op.
 */
import fc from 'fast-check';
import type { AdminEntry, AdminState } from '../../../src/plan/admin.js';
import { describe, expect, it } from 'vitest';
import { ConfigLoader } from '../../../src/config/config-loader.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { destKey, serviceKey } from '../../../src/ipvs/types.js';
import { emptyMemory, plan, type HealthView, type PlannerMemory } from '../../../src/plan/desired.js';
import { Reconciler } from '../../../src/plan/reconciler.js';
import { ManualClock } from '../../../src/util/clock.js';
import { config } from './helpers.js';

const cfgText = (variant: number) => {
  let t = '[global]\ndrain_timeout = "10s"\n';
  for (let v = 0; v < 3; v++) {
    t += `[[virtual_server]]\nname = "vs${v}"\naddress = "10.0.0.${v + 1}"\nport = 80\nslow_start = "5s"\nquorum = ${v * 20}\nquorum_hysteresis = 5\n`;
    if (v === 1) t += 'sorry_server = "10.0.9.9:8080"\non_failure = "remove"\n';
    t += 'check = { type = "tcp" }\n';
    for (let r = 0; r < 4; r++)
      if ((variant >> (v * 4 + r)) & 1)
        t += `[[virtual_server.real_server]]\naddress = "10.0.${v}.${r + 10}"\nport = 8080\nweight = ${5 + r * 5}\n`;
  }
  return t;
};

describe('planner properties', () => {
  it('random health / drains / time / reloads always give a valid, converging table', async () => {
    const step = fc.record({
      variant: fc.integer({ min: 0, max: 4095 }),
      reload: fc.boolean(),
      dt: fc.integer({ min: 0, max: 4000 }),
      down: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 6 }),
      held: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 11 }),
          fc.constantFrom('drain', 'maint', 'ready') as fc.Arbitrary<AdminState>,
          fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        ),
        { maxLength: 3 },
      ),
      heldVs: fc.option(
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('drain', 'maint') as fc.Arbitrary<AdminState>),
        { nil: undefined },
      ),
      conns: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const clock = new ManualClock();
        const dp = new MemoryDataplane();
        const rec = new Reconciler({ dataplane: dp, clock });
        let memory: PlannerMemory = emptyMemory();
        let cfg = config(cfgText(steps[0]!.variant));
        let previous: typeof cfg | undefined;
        const upSince = new Map<string, number>();
        for (const s of steps) {
          if (s.reload) ((previous = cfg), (cfg = config(cfgText(s.variant))));
          clock.advance(s.dt);
          const id = (n: number) => `vs${Math.floor(n / 4)}|10.0.${Math.floor(n / 4)}.${(n % 4) + 10}:8080`;
          const down = new Set(s.down.map(id));
          const health = (x: string): HealthView => {
            if (down.has(x)) return (upSince.delete(x), { up: false });
            if (!upSince.has(x)) upSince.set(x, clock.now());
            return { up: true, upSince: upSince.get(x) };
          };
          for (const svc of dp.snapshot().services)
            for (const d of svc.destinations) dp.setConns(svc.id, d, { active: s.conns });
          const p = plan(
            {
              config: cfg,
              previous,
              health,
              admin: {
                server: (x) => {
                  const h = s.held.find(([n]) => id(n) === x);
                  return h ? { state: h[1], weight: h[2] } : undefined;
                },
                service: (vs) => (s.heldVs && `vs${s.heldVs[0]}` === vs ? { state: s.heldVs[1] } : undefined),
              },
              now: clock.now(),
              actual: rec.lastActual(),
            },
            memory,
          );
          memory = p.memory;
          const keys = p.table.services.map((x) => serviceKey(x.id));
          expect(new Set(keys).size).toBe(keys.length);
          for (const vs of cfg.virtual_server) expect(keys).toContain(vs.key);
          for (const svc of p.table.services) {
            const dk = svc.destinations.map(destKey);
            expect(new Set(dk).size).toBe(dk.length);
            for (const d of svc.destinations) expect(d.weight >= 0 && d.weight <= 65535).toBe(true);
          }
          const owned = new Set([...cfg.virtual_server, ...(previous?.virtual_server ?? [])].map((v) => v.key));
          const r1 = await rec.reconcile(p.table, owned);
          expect(r1.failed).toEqual([]);
          expect((await rec.reconcile(p.table, owned)).ops).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('planning again only what changed', () => {
  it('with a truthful `changed` gives the same plan as planning everything (the reference)', async () => {
    const step = fc.record({
      variant: fc.integer({ min: 0, max: 4095 }),
      reload: fc.boolean(),
      dt: fc.integer({ min: 0, max: 4000 }),
      down: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 6 }),
      held: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 11 }),
          fc.constantFrom('drain', 'maint', 'ready') as fc.Arbitrary<AdminState>,
          fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        ),
        { maxLength: 3 },
      ),
      heldVs: fc.option(
        fc.tuple(
          fc.integer({ min: 0, max: 2 }),
          fc.constantFrom('drain', 'maint', 'ready') as fc.Arbitrary<AdminState>,
        ),
        { nil: undefined },
      ),
      conns: fc.integer({ min: 0, max: 3 }),
      read: fc.boolean(),
    });
    let kept = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const clock = new ManualClock();
        const dp = new MemoryDataplane();
        const rec = new Reconciler({ dataplane: dp, clock });
        // the loader keeps the objects of unchanged sections, as the daemon's does
        const loader = new ConfigLoader();
        const load = (v: number) => {
          const r = loader.load(cfgText(v), 'test.toml');
          if (!r.ok) throw new Error('bad test config');
          return r.config;
        };
        let ref: PlannerMemory = emptyMemory();
        let inc: PlannerMemory = emptyMemory();
        let cfg = load(steps[0]!.variant);
        let previous: typeof cfg | undefined;
        const id = (n: number) => `vs${Math.floor(n / 4)}|10.0.${Math.floor(n / 4)}.${(n % 4) + 10}:8080`;
        let views = new Map<string, HealthView>();
        let adminBefore = new Map<string, AdminEntry>();
        let first = true;
        for (const s of steps) {
          if (s.reload) ((previous = cfg), (cfg = load(s.variant)));
          clock.advance(s.dt);
          // health views of every id for this step, and the virtual servers whose views or drains changed
          const down = new Set(s.down.map(id));
          const next = new Map<string, HealthView>();
          const changed = new Set<string>();
          for (let n = 0; n < 12; n++) {
            const x = id(n);
            const was = views.get(x);
            const v: HealthView = down.has(x)
              ? { up: false }
              : { up: true, upSince: was?.up ? was.upSince : clock.now() };
            next.set(x, v);
            if (!was || was.up !== v.up || was.upSince !== v.upSince) changed.add(x.split('|')[0]!);
          }
          views = next;
          // operator overrides by "vs|rs" and by "vs" (a return to ready starts slow start now)
          const admin = new Map<string, AdminEntry>();
          for (const [n, state, weight] of s.held)
            admin.set(id(n), { state, weight, ...(state === 'ready' ? { readySince: clock.now() } : {}) });
          if (s.heldVs) admin.set(`vs${s.heldVs[0]}`, { state: s.heldVs[1] });
          for (const x of new Set([...admin.keys(), ...adminBefore.keys()]))
            if (JSON.stringify(admin.get(x)) !== JSON.stringify(adminBefore.get(x))) changed.add(x.split('|')[0]!);
          adminBefore = admin;
          for (const svc of dp.snapshot().services)
            for (const d of svc.destinations) dp.setConns(svc.id, d, { active: s.conns });
          const input = {
            config: cfg,
            previous,
            health: (x: string) => views.get(x),
            admin: { server: (x: string) => admin.get(x), service: (vs: string) => admin.get(vs) },
            now: clock.now(),
            actual: s.read ? await rec.refresh() : undefined,
          };
          const a = plan(input, ref);
          const b = plan({ ...input, changed: first ? undefined : changed }, inc);
          first = false;
          for (const [name, p] of b.memory.planned ?? []) if (inc.planned?.get(name) === p) kept++;
          ref = a.memory;
          inc = b.memory;
          expect(b.table).toEqual(a.table);
          expect(b.nextWakeAt).toEqual(a.nextWakeAt);
          expect(new Map(b.explain)).toEqual(new Map(a.explain));
          expect(b.belowQuorum).toEqual(a.belowQuorum);
          expect(b.live).toEqual(a.live);
          expect(b.drainingServices).toEqual(a.drainingServices);
          expect(b.memory.drains).toEqual(a.memory.drains);
          expect(b.memory.belowQuorum).toEqual(a.memory.belowQuorum);
          const owned = new Set([...cfg.virtual_server, ...(previous?.virtual_server ?? [])].map((v) => v.key));
          for (const k of a.drainingServices) owned.add(k);
          await rec.reconcile(a.table, owned, { read: false });
        }
      }),
      { numRuns: 200 },
    );
    expect(kept).toBeGreaterThan(0); // the property is not vacuous: plans were kept
  });
});
