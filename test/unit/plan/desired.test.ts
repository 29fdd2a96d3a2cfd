/** The pure planner: on_failure, slow start, quorum + sorry server, drains (lvsctl, reload), memory. */
import { describe, expect, it } from 'vitest';
import type { IpvsTable } from '../../../src/ipvs/types.js';
import {
  emptyMemory,
  plan,
  quorumState,
  slowStartWeight,
  type HealthView,
  type PlannerInput,
  type PlannerMemory,
} from '../../../src/plan/desired.js';
import { config } from './helpers.js';
import { NO_ADMIN, withState, type AdminEntry, type AdminLookup } from '../../../src/plan/admin.js';

const web = (extra = '', servers = ['10.0.1.1', '10.0.1.2', '10.0.1.3'], weight = 50) =>
  `[global]\ndrain_timeout = "60s"\n[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\ncheck = { type = "tcp" }\n${extra}\n` +
  servers.map((a) => `[[virtual_server.real_server]]\naddress = "${a}"\nport = 8080\nweight = ${weight}\n`).join('');

function input(text: string, health: Record<string, HealthView> = {}, over: Partial<PlannerInput> = {}): PlannerInput {
  return { config: config(text), health: (id) => health[id], admin: NO_ADMIN, now: 0, ...over };
}

/** Overrides of real servers by id and of virtual servers by name. */
function admin(servers: Record<string, AdminEntry> = {}, services: Record<string, AdminEntry> = {}): AdminLookup {
  return { server: (id) => servers[id], service: (vs) => services[vs] };
}

const weights = (t: IpvsTable, i = 0) =>
  Object.fromEntries(t.services[i]!.destinations.map((d) => [d.address, d.weight]));

/** A table like the kernel would report after applying `t`, with conns per dest address. */
function actualOf(t: IpvsTable, conns: Record<string, number> = {}): IpvsTable {
  return {
    services: t.services.map((s) => ({
      ...s,
      destinations: s.destinations.map((d) => ({
        ...d,
        conns: { active: conns[d.address] ?? 0, inactive: 0, persistent: 0 },
      })),
    })),
  };
}

describe('plan: health', () => {
  it('plans every up server at its configured weight, with a reason', () => {
    const p = plan(input(web()));
    expect(p.table.services).toHaveLength(1);
    expect(p.table.services[0]).toMatchObject({ id: { address: '10.0.0.1', port: 80 }, scheduler: 'wlc', flags: 0 });
    expect(weights(p.table)).toEqual({ '10.0.1.1': 50, '10.0.1.2': 50, '10.0.1.3': 50 });
    expect(p.explain.get('web|10.0.1.1:8080')).toBe('up: weight 50');
    expect(p.nextWakeAt).toBeUndefined();
  });

  it('on_failure = weight0 keeps a down server at weight 0', () => {
    const p = plan(input(web(), { 'web|10.0.1.2:8080': { up: false } }));
    expect(weights(p.table)).toEqual({ '10.0.1.1': 50, '10.0.1.2': 0, '10.0.1.3': 50 });
    expect(p.explain.get('web|10.0.1.2:8080')).toMatch(/down: .*weight 0/);
  });

  it('on_failure = remove leaves a down server out', () => {
    const p = plan(input(web('on_failure = "remove"'), { 'web|10.0.1.2:8080': { up: false } }));
    expect(weights(p.table)).toEqual({ '10.0.1.1': 50, '10.0.1.3': 50 });
    expect(p.explain.get('web|10.0.1.2:8080')).toMatch(/removed/);
  });

  it('without a verdict yet, the check initial state decides', () => {
    const p = plan(input(web('check = { type = "tcp", initial = "down" }').replace('check = { type = "tcp" }\n', '')));
    expect(Object.values(weights(p.table))).toEqual([0, 0, 0]);
  });

  it('servers without a check are always up', () => {
    const p = plan(input(web().replace('check = { type = "tcp" }\n', ''), { 'web|10.0.1.1:8080': { up: false } }));
    expect(weights(p.table)['10.0.1.1']).toBe(50);
  });

  it('a dynamic weight from the check replaces the configured weight', () => {
    const p = plan(input(web(), { 'web|10.0.1.1:8080': { up: true, weight: 7 } }));
    expect(weights(p.table)['10.0.1.1']).toBe(7);
    expect(p.explain.get('web|10.0.1.1:8080')).toBe('up: dynamic weight 7 (configured 50)');
  });
});

describe('plan: slow start', () => {
  it('ramps a recovered server from 1 to its weight in steps, asking to be woken at each step', () => {
    const cfg = web('slow_start = "30s"', ['10.0.1.1'], 100);
    const seen: number[] = [];
    let wake: number | undefined = 1000;
    while (wake !== undefined) {
      const p = plan(input(cfg, { 'web|10.0.1.1:8080': { up: true, upSince: 1000 } }, { now: wake }));
      seen.push(weights(p.table)['10.0.1.1']!);
      expect(p.nextWakeAt === undefined || p.nextWakeAt > wake).toBe(true);
      wake = p.nextWakeAt;
    }
    expect(seen).toEqual([1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('does not ramp a server that was up from the start (no upSince)', () => {
    const p = plan(input(web('slow_start = "30s"'), {}, { now: 5 }));
    expect(weights(p.table)['10.0.1.1']).toBe(50);
  });

  it('slowStartWeight: steps of max(1s, ramp/10), never 0, never above target', () => {
    expect(slowStartWeight(5000, 10, 0, 0)).toEqual({ weight: 1, nextAt: 1000 });
    expect(slowStartWeight(5000, 10, 0, 2500)).toEqual({ weight: 4, nextAt: 3000 });
    expect(slowStartWeight(5000, 10, 0, 5000)).toEqual({ weight: 10 });
    expect(slowStartWeight(0, 10, 0, 0)).toEqual({ weight: 10 });
    expect(slowStartWeight(5000, 0, 0, 0)).toEqual({ weight: 0 });
  });
});

describe('plan: quorum', () => {
  const cfg = web('quorum = 100\nquorum_hysteresis = 10\nsorry_server = "10.0.9.9:8080"');
  const down = (...n: number[]) => Object.fromEntries(n.map((i) => [`web|10.0.1.${i}:8080`, { up: false }]));

  it('switches to the sorry server below quorum − hysteresis and back at quorum + hysteresis', () => {
    let mem: PlannerMemory = emptyMemory();
    const step = (h: Record<string, HealthView>) => {
      const p = plan(input(cfg, h), mem);
      mem = p.memory;
      return p;
    };
    let p = step({});
    expect(p.belowQuorum.size).toBe(0);
    expect(weights(p.table)['10.0.9.9']).toBeUndefined();
    p = step(down(2, 3)); // live 50 < 90
    expect([...p.belowQuorum]).toEqual(['web']);
    expect(weights(p.table)).toEqual({ '10.0.1.1': 0, '10.0.1.2': 0, '10.0.1.3': 0, '10.0.9.9': 1 });
    expect(p.explain.get('web|sorry')).toMatch(/sorry server serving/);
    // the server still up is at weight 0 too, and its explanation says so (not "up: weight 50")
    expect(p.explain.get('web|10.0.1.1:8080')).toBe(
      'up, but weight 0: below quorum (live weight 50 < 100), the sorry server serves',
    );
    expect(p.explain.get('web|10.0.1.2:8080')).toMatch(/^down/);
    p = step(down(3)); // live 100 < 110: still below (hysteresis)
    expect(p.belowQuorum.has('web')).toBe(true);
    p = step({}); // live 150 ≥ 110
    expect(p.belowQuorum.has('web')).toBe(false);
    expect(weights(p.table)).toEqual({ '10.0.1.1': 50, '10.0.1.2': 50, '10.0.1.3': 50 });
    p = step(down(3)); // live 100 ≥ 90: stays up
    expect(p.belowQuorum.has('web')).toBe(false);
  });

  it('quorumState: quorum 0 never goes below; first run has no hysteresis', () => {
    expect(quorumState({ quorum: 0, quorum_hysteresis: 0 }, 0, undefined)).toBe(false);
    expect(quorumState({ quorum: 10, quorum_hysteresis: 5 }, 9, undefined)).toBe(true);
    expect(quorumState({ quorum: 10, quorum_hysteresis: 5 }, 6, false)).toBe(false);
    expect(quorumState({ quorum: 10, quorum_hysteresis: 5 }, 4, false)).toBe(true);
  });
});

describe('plan: operator state and weight (lvsctl state / weight)', () => {
  const cfg = web('slow_start = "10s"');
  const id = 'web|10.0.1.2:8080';

  it('drain: weight 0 and KEPT, whatever the connections and however long (until set ready)', () => {
    const a = admin({ [id]: { state: 'drain' } });
    const first = plan(input(cfg, {}, { admin: a, now: 100 }));
    expect(weights(first.table)['10.0.1.2']).toBe(0);
    expect(first.explain.get(id)).toBe(
      'drain: set to drain by the operator; weight 0, kept in the table until set ready',
    );
    const idle = plan(input(cfg, {}, { admin: a, now: 3_600_000, actual: actualOf(first.table) }), first.memory);
    expect(weights(idle.table)['10.0.1.2']).toBe(0); // 0 connections and past drain_timeout: still there
    expect(idle.nextWakeAt).toBeUndefined();
  });

  it('maint: removed by default, weight 0 with maintenance = "weight0"', () => {
    const a = admin({ [id]: { state: 'maint' } });
    const removed = plan(input(cfg, {}, { admin: a }));
    expect(weights(removed.table)['10.0.1.2']).toBeUndefined();
    expect(removed.explain.get(id)).toBe('maintenance: set to maint by the operator; removed from the table');
    const kept = plan(input(web('maintenance = "weight0"'), {}, { admin: a }));
    expect(weights(kept.table)['10.0.1.2']).toBe(0);
  });

  it('ready again goes through slow start from the moment the operator set it', () => {
    const entry = withState(withState(undefined, 'drain', 0), 'ready', 5000);
    expect(entry).toEqual({ state: 'ready', readySince: 5000 });
    const a = admin({ [id]: entry });
    const p = plan(input(cfg, {}, { admin: a, now: 6000 }));
    expect(weights(p.table)['10.0.1.2']).toBe(5); // step 1 of 10 of weight 50
    expect(p.explain.get(id)).toBe('up: slow start, weight 5 of 50 until 10s after the operator set ready');
    expect(p.nextWakeAt).toBe(7000);
    expect(weights(plan(input(cfg, {}, { admin: a, now: 15_000 })).table)['10.0.1.2']).toBe(50);
  });

  it('a weight override replaces the configured weight and is explained beside it', () => {
    const p = plan(input(cfg, {}, { admin: admin({ [id]: { state: 'ready', weight: 7 } }) }));
    expect(weights(p.table)).toEqual({ '10.0.1.1': 50, '10.0.1.2': 7, '10.0.1.3': 50 });
    expect(p.explain.get(id)).toBe('up: weight 7 set by the operator (configured 50)');
    const zero = plan(input(cfg, {}, { admin: admin({ [id]: { state: 'ready', weight: 0 } }) }));
    expect(zero.explain.get(id)).toBe('up, but the operator set weight 0: no new connections');
  });

  it('a virtual server in drain or maint holds every real server; the stricter of the two states wins', () => {
    const p = plan(input(cfg, {}, { admin: admin({ [id]: { state: 'maint' } }, { web: { state: 'drain' } }) }));
    expect(weights(p.table)).toEqual({ '10.0.1.1': 0, '10.0.1.3': 0 }); // .2 is in maint (removed)
    expect(p.explain.get('web|10.0.1.1:8080')).toBe(
      'drain: virtual server web set to drain by the operator; weight 0, kept in the table until set ready',
    );
  });

  it('a held server does not count towards quorum', () => {
    const p = plan(
      input(web('quorum = 150\nsorry_server = "10.0.9.9"'), {}, { admin: admin({ [id]: { state: 'drain' } }) }),
    );
    expect(p.belowQuorum.has('web')).toBe(true);
  });
});

describe('plan: removal by reload', () => {
  const before = web();
  const after = web('', ['10.0.1.1', '10.0.1.3']);

  it('removal = "drain" keeps a removed server at weight 0 until its connections end, across reloads', () => {
    const p0 = plan(input(before));
    const actual = actualOf(p0.table, { '10.0.1.2': 4 });
    const p1 = plan({ ...input(after, {}, { now: 10, actual }), previous: config(before) }, p0.memory);
    expect(weights(p1.table)).toEqual({ '10.0.1.1': 50, '10.0.1.3': 50, '10.0.1.2': 0 });
    expect(p1.explain.get('web|10.0.1.2:8080')).toMatch(
      /removed from config, draining: weight 0, connections not read yet at weight 0/,
    );
    // another reload: previous no longer has the server, the drain goes on from memory
    const p2 = plan(
      { ...input(after, {}, { now: 20, actual: actualOf(p1.table, { '10.0.1.2': 1 }) }), previous: config(after) },
      p1.memory,
    );
    expect(weights(p2.table)['10.0.1.2']).toBe(0);
    expect(p2.explain.get('web|10.0.1.2:8080')).toMatch(/1 connections left, deleted at the latest in 59\.99s/);
    const p3 = plan(
      { ...input(after, {}, { now: 30, actual: actualOf(p2.table) }), previous: config(after) },
      p2.memory,
    );
    expect(weights(p3.table)['10.0.1.2']).toBeUndefined();
    const p4 = plan(
      { ...input(after, {}, { now: 40, actual: actualOf(p3.table) }), previous: config(after) },
      p3.memory,
    );
    expect(p4.memory.drains.size).toBe(0);
  });

  it('removal = "delete" drops a removed server at once', () => {
    const del = (t: string) => t.replace('drain_timeout = "60s"', 'drain_timeout = "60s"\nremoval = "delete"');
    const p0 = plan(input(del(before)));
    const p1 = plan(
      { ...input(del(after), {}, { actual: actualOf(p0.table, { '10.0.1.2': 4 }) }), previous: config(del(before)) },
      p0.memory,
    );
    expect(weights(p1.table)['10.0.1.2']).toBeUndefined();
  });

  it('a removed virtual server drains as a whole and stays owned while it does', () => {
    const two =
      before +
      '[[virtual_server]]\nname = "api"\naddress = "10.0.0.2"\nport = 81\n[[virtual_server.real_server]]\naddress = "10.0.2.1"\n';
    const p0 = plan(input(two));
    const p1 = plan(
      { ...input(before, {}, { now: 5, actual: actualOf(p0.table, { '10.0.2.1': 2 }) }), previous: config(two) },
      p0.memory,
    );
    expect(p1.table.services.map((s) => s.id.port)).toEqual([80, 81]);
    expect(weights(p1.table, 1)).toEqual({ '10.0.2.1': 0 });
    expect([...p1.drainingServices]).toEqual(['TCP 10.0.0.2:81']);
    const p2 = plan(
      { ...input(before, {}, { now: 6, actual: actualOf(p1.table) }), previous: config(before) },
      p1.memory,
    );
    expect(p2.table.services).toHaveLength(1);
    expect([...p2.drainingServices]).toEqual(['TCP 10.0.0.2:81']); // still owned so the reconciler deletes it
  });

  it('a server put back in the config stops draining', () => {
    const p0 = plan(input(before));
    const p1 = plan(
      { ...input(after, {}, { actual: actualOf(p0.table, { '10.0.1.2': 4 }) }), previous: config(before) },
      p0.memory,
    );
    const p2 = plan(
      { ...input(before, {}, { actual: actualOf(p1.table, { '10.0.1.2': 4 }) }), previous: config(after) },
      p1.memory,
    );
    expect(weights(p2.table)['10.0.1.2']).toBe(50);
    expect(p2.memory.drains.size).toBe(0);
  });
});

describe('plan: purity', () => {
  it('the same input gives the same output and the input is not changed', () => {
    const i = input(
      web('slow_start = "10s"\nquorum = 60\nsorry_server = "10.0.9.9"'),
      { 'web|10.0.1.1:8080': { up: true, upSince: 0 }, 'web|10.0.1.2:8080': { up: false } },
      { now: 2500, admin: admin({ 'web|10.0.1.3:8080': { state: 'drain' } }) },
    );
    const frozen = JSON.stringify(i.config);
    const a = plan(i),
      b = plan(i);
    expect(JSON.stringify(a.table)).toBe(JSON.stringify(b.table));
    expect([...a.explain]).toEqual([...b.explain]);
    expect(JSON.stringify(i.config)).toBe(frozen);
  });
});

describe('plan: explanations', () => {
  it('says why a server gets no traffic: the check reason, a configured weight 0', () => {
    const p = plan(input(web(), { 'web|10.0.1.1:8080': { up: false, reason: 'connect ECONNREFUSED' } }));
    expect(p.explain.get('web|10.0.1.1:8080')).toBe('down (connect ECONNREFUSED); weight 0 (on_failure = weight0)');
    const z = plan(input(web('', ['10.0.1.1'], 0)));
    expect(z.explain.get('web|10.0.1.1:8080')).toBe('up, but configured weight 0: no new connections');
    expect(weights(z.table)['10.0.1.1']).toBe(0);
  });
});
