/**
 * Planner properties over random health, drains, time and reloads: the desired table is always one
 * the kernel-like memory dataplane accepts op by op, weights stay within 0..configured, every
 * configured service appears exactly once, and reconciling twice is a no-op.
 */
import fc from 'fast-check';
import type { AdminState } from '../../../src/plan/admin.js';
import { describe, expect, it } from 'vitest';
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
