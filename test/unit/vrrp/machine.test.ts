import { describe, expect, it } from 'vitest';
import {
  initialState,
  masterDownMs,
  skewMs,
  step,
  type MachineConfig,
  type VrrpEvent,
  type VrrpState,
} from '../../../src/vrrp/machine.js';
import type { Advert } from '../../../src/vrrp/packet.js';

const cfg = (over: Partial<MachineConfig> = {}): MachineConfig => ({
  version: 3,
  intervalCs: 100,
  priority: 100,
  preempt: true,
  preemptDelayMs: 0,
  primaryIp: '10.0.0.2',
  ...over,
});
const ad = (priority: number, intervalCs = 100): Advert => ({
  version: 3,
  vrid: 51,
  priority,
  intervalCs,
  addresses: ['10.0.0.50'],
});

/** Runs events through the machine, returning the final state and every action. */
function run(c: MachineConfig, events: VrrpEvent[], s0?: VrrpState) {
  let s = s0 ?? initialState(c, 0);
  const actions = [];
  for (const e of events) {
    const r = step(c, s, e);
    s = r.state;
    actions.push(...r.actions);
  }
  return { s, actions };
}
const types = (as: Array<{ type: string }>) => as.map((a) => a.type);

describe('timers (RFC 3768 / 5798, keepalived figures)', () => {
  it('Master_Down_Interval and skew match the reference values', () => {
    expect(masterDownMs(100, 100)).toBeCloseTo(3609.375, 3);
    expect(masterDownMs(150, 100)).toBeCloseTo(3414.0625, 3);
    expect(masterDownMs(254, 100)).toBeCloseTo(3007.8125, 3);
    expect(masterDownMs(100, 10)).toBeCloseTo(360.9375, 3);
    expect(skewMs(100, 100)).toBeCloseTo(609.375, 3);
    expect(skewMs(100, 10)).toBeCloseTo(60.9375, 3);
  });
});

describe('startup', () => {
  it('priority < 255 starts BACKUP with a Master_Down timer and removes stale VIPs', () => {
    const { s, actions } = run(cfg(), [{ type: 'startup', now: 1000 }]);
    expect(s.state).toBe('BACKUP');
    expect(s.deadline).toBeCloseTo(1000 + 3609.375);
    expect(types(actions)).toEqual(['removeVips', 'transition']);
  });
  it('priority 255 (owner) becomes MASTER at once: advert, VIPs, announce', () => {
    const { s, actions } = run(cfg({ priority: 255 }), [{ type: 'startup', now: 0 }], {
      ...initialState(cfg({ priority: 255 }), 0),
      priority: 255,
    });
    expect(s.state).toBe('MASTER');
    expect(actions.slice(0, 3)).toEqual([{ type: 'send', priority: 255 }, { type: 'addVips' }, { type: 'announce' }]);
  });
  it('a fault present at startup goes to FAULT', () => {
    const c = cfg();
    const { s } = run(c, [
      { type: 'fault', now: 0, fault: 'interface eth0 down' },
      { type: 'startup', now: 0 },
    ]);
    expect(s.state).toBe('FAULT');
    expect(s.reason).toBe('interface eth0 down');
  });
});

describe('BACKUP', () => {
  const c = cfg();
  const backup = run(c, [{ type: 'startup', now: 0 }]).s;
  it('the Master_Down timer makes it MASTER (advert, add VIPs, GARP) and arms the advert timer', () => {
    const early = step(c, backup, { type: 'timer', now: 3000 });
    expect(early.state.state).toBe('BACKUP');
    expect(early.actions).toEqual([]);
    const r = step(c, backup, { type: 'timer', now: 3610 });
    expect(r.state.state).toBe('MASTER');
    expect(types(r.actions)).toEqual(['send', 'addVips', 'announce', 'transition']);
    expect(r.state.deadline).toBe(4610);
  });
  it('an advert with higher or equal priority resets the timer; v3 adopts a master interval no shorter than ours', () => {
    const r = step(c, backup, { type: 'advert', now: 2000, advert: ad(150, 300), src: '10.0.0.1' });
    expect(r.state.masterIntervalCs).toBe(300);
    expect(r.state.deadline).toBeCloseTo(2000 + 3 * 3000 + 1828.125);
    const short = step(c, backup, { type: 'advert', now: 2000, advert: ad(150, 10), src: '10.0.0.1' });
    expect(short.state.masterIntervalCs).toBe(100);
    expect(r.state.masterIp).toBe('10.0.0.1');
    const v2 = step(cfg({ version: 2 }), backup, { type: 'advert', now: 2000, advert: ad(150, 200), src: '10.0.0.1' });
    expect(v2.state.masterIntervalCs).toBe(100);
  });
  it('priority 0 advert: timer becomes Skew_Time', () => {
    const r = step(c, backup, { type: 'advert', now: 2000, advert: ad(0), src: '10.0.0.1' });
    expect(r.state.deadline).toBeCloseTo(2000 + 609.375);
  });
  it('preempt: a lower-priority advert is discarded (timer keeps running)', () => {
    const r = step(c, backup, { type: 'advert', now: 2000, advert: ad(50), src: '10.0.0.1' });
    expect(r.state.deadline).toBe(backup.deadline);
  });
  it('nopreempt: a lower-priority master is accepted and keeps the VIP', () => {
    const np = cfg({ preempt: false });
    const r = step(np, backup, { type: 'advert', now: 2000, advert: ad(50), src: '10.0.0.1' });
    expect(r.state.deadline).toBeCloseTo(2000 + 3609.375);
  });
  it('preempt_delay: a lower master is tolerated until the delay passes, then preempted', () => {
    const pd = cfg({ preemptDelayMs: 10_000 });
    const b = run(pd, [{ type: 'startup', now: 0 }]).s;
    const tol = step(pd, b, { type: 'advert', now: 5000, advert: ad(50), src: '10.0.0.1' });
    expect(tol.state.deadline).toBeCloseTo(5000 + 3609.375);
    const after = step(pd, tol.state, { type: 'advert', now: 11_000, advert: ad(50), src: '10.0.0.1' });
    expect(after.state.deadline).toBe(tol.state.deadline);
  });
});

describe('MASTER', () => {
  const c = cfg();
  const master = step(c, run(c, [{ type: 'startup', now: 0 }]).s, { type: 'timer', now: 3610 }).state;
  it('the advert timer sends an advert at the configured interval without drift', () => {
    const r = step(c, master, { type: 'timer', now: 4611 });
    expect(r.actions).toEqual([{ type: 'send', priority: 100 }]);
    expect(r.state.deadline).toBe(5610);
  });
  it('a lower-priority advert is answered at once and the node stays MASTER', () => {
    const r = step(c, master, { type: 'advert', now: 4000, advert: ad(50), src: '10.0.0.9' });
    expect(r.state.state).toBe('MASTER');
    expect(r.actions).toEqual([{ type: 'send', priority: 100 }]);
  });
  it('a higher-priority advert makes it BACKUP and removes the VIPs', () => {
    const r = step(c, master, { type: 'advert', now: 4000, advert: ad(150, 10), src: '10.0.0.1' });
    expect(r.state.state).toBe('BACKUP');
    expect(types(r.actions)).toEqual(['removeVips', 'transition']);
    expect(r.state.deadline).toBeCloseTo(4000 + 3609.375); // the advert's shorter interval is not adopted
  });
  it('tie on priority: the higher primary IP wins', () => {
    expect(step(c, master, { type: 'advert', now: 4000, advert: ad(100), src: '10.0.0.3' }).state.state).toBe('BACKUP');
    expect(step(c, master, { type: 'advert', now: 4000, advert: ad(100), src: '10.0.0.1' }).state.state).toBe('MASTER');
    expect(step(c, master, { type: 'advert', now: 4000, advert: ad(100), src: '10.0.0.10' }).state.state).toBe(
      'BACKUP',
    );
  });
  it('a priority-0 advert from another router is answered with an advert', () => {
    const r = step(c, master, { type: 'advert', now: 4000, advert: ad(0), src: '10.0.0.1' });
    expect(r.actions).toEqual([{ type: 'send', priority: 100 }]);
  });
  it('shutdown sends one priority-0 advert and then removes the VIPs', () => {
    const r = step(c, master, { type: 'shutdown', now: 5000 });
    expect(r.actions.slice(0, 2)).toEqual([{ type: 'send', priority: 0 }, { type: 'removeVips' }]);
    expect(r.state.state).toBe('INIT');
    expect(r.state.deadline).toBeUndefined();
  });
  it('a fault resigns (priority 0), removes the VIPs; clearing it returns to BACKUP', () => {
    const f = step(c, master, { type: 'fault', now: 5000, fault: 'interface eth0 down' });
    expect(f.state.state).toBe('FAULT');
    expect(types(f.actions)).toEqual(['send', 'removeVips', 'transition']);
    expect(f.actions[0]).toEqual({ type: 'send', priority: 0 });
    const back = step(c, f.state, { type: 'fault', now: 6000 });
    expect(back.state.state).toBe('BACKUP');
    expect(back.state.reason).toBe('fault cleared');
  });
  it('a VIP deleted by someone else: MASTER falls back to BACKUP like keepalived', () => {
    const r = step(c, master, { type: 'vipDeleted', now: 5000, address: '10.0.0.50' });
    expect(r.state.state).toBe('BACKUP');
    expect(r.state.reason).toContain('10.0.0.50');
  });
  it('a priority change is reflected in later adverts', () => {
    const p = step(c, master, { type: 'priority', now: 4000, priority: 40 });
    expect(step(c, p.state, { type: 'timer', now: 4610 }).actions).toEqual([{ type: 'send', priority: 40 }]);
  });
});

describe('two machines exchanging adverts (simulated wire)', () => {
  it('the higher priority ends MASTER, the other BACKUP, and a dead master is replaced after Master_Down_Interval', () => {
    const a = cfg({ priority: 150, primaryIp: '10.0.0.1', intervalCs: 10 });
    const b = cfg({ priority: 100, primaryIp: '10.0.0.2', intervalCs: 10 });
    let sa = run(a, [{ type: 'startup', now: 0 }], { ...initialState(a, 0), priority: 150 }).s;
    let sb = run(b, [{ type: 'startup', now: 0 }]).s;
    let lastAdvertFromA = -1;
    let bMasterAt = -1;
    for (let t = 0; t < 3000; t++) {
      const aliveA = t < 1500;
      for (const [who, c] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const s = who === 'a' ? sa : sb;
        if (who === 'a' && !aliveA) continue;
        if (s.deadline !== undefined && t >= s.deadline) {
          const r = step(c, s, { type: 'timer', now: t });
          if (who === 'a') sa = r.state;
          else sb = r.state;
          for (const act of r.actions) {
            if (act.type !== 'send') continue;
            const advert = ad(act.priority, c.intervalCs);
            if (who === 'a') {
              lastAdvertFromA = t;
              sb = step(b, sb, { type: 'advert', now: t, advert, src: a.primaryIp }).state;
            } else sa = aliveA ? step(a, sa, { type: 'advert', now: t, advert, src: b.primaryIp }).state : sa;
          }
          if (who === 'b' && sb.state === 'MASTER' && bMasterAt < 0) bMasterAt = t;
        }
      }
      if (t === 1400) {
        expect(sa.state).toBe('MASTER');
        expect(sb.state).toBe('BACKUP');
      }
    }
    expect(bMasterAt - lastAdvertFromA).toBeGreaterThanOrEqual(360);
    expect(bMasterAt - lastAdvertFromA).toBeLessThanOrEqual(362);
  });
});
