import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  stepAnnouncer,
  type AnnounceInput,
  type AnnouncePolicy,
  type AnnouncerState,
  type AnnounceTransition,
  type VipSpec,
} from '../../../src/announce/machine.js';

const VIPS: VipSpec[] = [
  { address: '192.0.2.10', services: ['web', 'tls'] },
  { address: '2001:db8::10', services: ['web6'] },
];
const input = (now: number, over: Partial<AnnounceInput> = {}): AnnounceInput => ({
  now,
  belowQuorum: new Set(),
  maintenance: false,
  shuttingDown: false,
  ...over,
});

/** Drives the machine like the daemon: a step at every given time, keeping state and transitions. */
function drive(vips: VipSpec[], p: AnnouncePolicy, inputs: AnnounceInput[]) {
  let state: AnnouncerState = new Map();
  const transitions: AnnounceTransition[] = [];
  let last;
  for (const i of inputs) {
    last = stepAnnouncer(vips, p, state, i);
    state = last.state;
    transitions.push(...last.transitions);
  }
  return { state, transitions, last: last! };
}

describe('announcer: hold-down before announcing, immediate withdrawal', () => {
  const p: AnnouncePolicy = { policy: 'all', holdDownMs: 3000 };

  it('announces a healthy VIP only after the hold-down, and asks to be woken for it', () => {
    const first = stepAnnouncer(VIPS, p, new Map(), input(1000));
    expect(first.announced).toEqual([]);
    expect(first.transitions).toEqual([]);
    expect(first.nextWakeAt).toBe(4000);
    expect(first.state.get('192.0.2.10')!.reason).toBe(
      'hold-down: 2 of 2 virtual servers at quorum (policy all) since 0ms ago; announcing in 3s',
    );
    const early = stepAnnouncer(VIPS, p, first.state, input(3999));
    expect(early.announced).toEqual([]);
    const due = stepAnnouncer(VIPS, p, early.state, input(4000));
    expect(due.announced).toEqual(['192.0.2.10', '2001:db8::10']);
    expect(due.transitions).toEqual([
      { vip: '192.0.2.10', to: 'announced', reason: '2 of 2 virtual servers at quorum (policy all)', at: 4000 },
      { vip: '2001:db8::10', to: 'announced', reason: '1 of 1 virtual servers at quorum (policy all)', at: 4000 },
    ]);
    expect(due.nextWakeAt).toBeUndefined();
  });

  it('withdraws at once when a service falls below quorum, naming it; returns after a fresh hold-down', () => {
    const up = drive(VIPS, p, [input(0), input(3000)]);
    const lost = stepAnnouncer(VIPS, p, up.state, input(5000, { belowQuorum: new Set(['tls']) }));
    expect(lost.transitions).toEqual([
      {
        vip: '192.0.2.10',
        to: 'withdrawn',
        reason: 'health: 1 of 2 virtual servers at quorum (policy all); below quorum: tls',
        at: 5000,
      },
    ]);
    expect(lost.announced).toEqual(['2001:db8::10']);
    const back = stepAnnouncer(VIPS, p, lost.state, input(6000));
    expect(back.announced).toEqual(['2001:db8::10']);
    expect(back.nextWakeAt).toBe(9000);
    expect(stepAnnouncer(VIPS, p, back.state, input(9000)).announced).toEqual(['192.0.2.10', '2001:db8::10']);
  });

  it('policy any keeps the VIP while one of its services is at quorum', () => {
    const any: AnnouncePolicy = { policy: 'any', holdDownMs: 0 };
    const up = drive(VIPS, any, [input(0)]);
    expect(up.last.announced).toEqual(['192.0.2.10', '2001:db8::10']);
    const one = stepAnnouncer(VIPS, any, up.state, input(1, { belowQuorum: new Set(['web']) }));
    expect(one.transitions).toEqual([]);
    expect(one.state.get('192.0.2.10')!.reason).toBe('1 of 2 virtual servers at quorum (policy any)');
    const both = stepAnnouncer(VIPS, any, one.state, input(2, { belowQuorum: new Set(['web', 'tls']) }));
    expect(both.transitions.map((t) => [t.vip, t.to, t.reason])).toEqual([
      ['192.0.2.10', 'withdrawn', 'health: 0 of 2 virtual servers at quorum (policy any); below quorum: web, tls'],
    ]);
  });

  it('maintenance and shutdown withdraw everything at once; leaving maintenance waits out the hold-down', () => {
    const up = drive(VIPS, p, [input(0), input(3000)]);
    const maint = stepAnnouncer(VIPS, p, up.state, input(4000, { maintenance: true }));
    expect(maint.transitions.map((t) => `${t.vip} ${t.to}: ${t.reason}`)).toEqual([
      '192.0.2.10 withdrawn: director in maintenance',
      '2001:db8::10 withdrawn: director in maintenance',
    ]);
    const after = stepAnnouncer(VIPS, p, maint.state, input(5000));
    expect(after.announced).toEqual([]);
    expect(stepAnnouncer(VIPS, p, after.state, input(7999)).announced).toEqual([]);
    expect(stepAnnouncer(VIPS, p, after.state, input(8000)).announced).toEqual(['192.0.2.10', '2001:db8::10']);
    const stop = stepAnnouncer(VIPS, p, up.state, input(4000, { shuttingDown: true, maintenance: true }));
    expect(stop.announced).toEqual([]);
    expect(stop.state.get('192.0.2.10')!.reason).toBe('shutting down');
  });

  it('a VIP dropped from the config while announced is withdrawn with that reason', () => {
    const up = drive(VIPS, p, [input(0), input(3000)]);
    const next = stepAnnouncer(VIPS.slice(0, 1), p, up.state, input(4000));
    expect(next.transitions).toEqual([
      { vip: '2001:db8::10', to: 'withdrawn', reason: 'no longer configured', at: 4000 },
    ]);
    expect(next.state.has('2001:db8::10')).toBe(false);
  });
});

describe('announcer: flapping does not flap the route', () => {
  it('a service flapping every second under a 5 s hold-down costs one withdrawal, then one announcement once stable', () => {
    const p: AnnouncePolicy = { policy: 'all', holdDownMs: 5000 };
    const vips = [{ address: '192.0.2.10', services: ['web'] }];
    const steps: AnnounceInput[] = [input(0), input(5000)];
    for (let t = 6000; t < 66_000; t += 1000) steps.push(input(t, { belowQuorum: new Set(t % 2000 ? ['web'] : []) }));
    steps.push(input(66_000), input(70_999), input(71_000));
    const { transitions } = drive(vips, p, steps);
    expect(transitions.map((t) => `${t.at} ${t.to}`)).toEqual(['5000 announced', '7000 withdrawn', '71000 announced']);
  });

  it('one flapping service among 1,000 on one VIP (policy any) never moves the route', () => {
    const services = Array.from({ length: 1000 }, (_, i) => `svc${i}`);
    const vips = [{ address: '192.0.2.10', services }];
    const steps: AnnounceInput[] = [];
    for (let t = 0; t < 120_000; t += 500) steps.push(input(t, { belowQuorum: new Set(t % 1000 ? ['svc7'] : []) }));
    const { transitions } = drive(vips, { policy: 'any', holdDownMs: 2000 }, steps);
    expect(transitions.map((t) => `${t.at} ${t.to}`)).toEqual(['2000 announced']);
  });

  it('property: never announced while blocked, and every announcement follows an unbroken hold-down', () => {
    const event = fc.record({
      dt: fc.integer({ min: 0, max: 4000 }),
      below: fc.subarray(['web', 'tls', 'web6']),
      maintenance: fc.boolean(),
      shuttingDown: fc.constantFrom(false, false, false, true),
    });
    fc.assert(
      fc.property(
        fc.constantFrom<'any' | 'all'>('any', 'all'),
        fc.integer({ min: 0, max: 6000 }),
        fc.array(event, { maxLength: 60 }),
        (policy, holdDownMs, events) => {
          let state: AnnouncerState = new Map();
          let now = 0;
          const okSince = new Map<string, number | undefined>();
          for (const e of events) {
            now += e.dt;
            const i = input(now, {
              belowQuorum: new Set(e.below),
              maintenance: e.maintenance,
              shuttingDown: e.shuttingDown,
            });
            const out = stepAnnouncer(VIPS, { policy, holdDownMs }, state, i);
            for (const v of VIPS) {
              const below = v.services.filter((s) => i.belowQuorum.has(s)).length;
              const met =
                !i.maintenance && !i.shuttingDown && (policy === 'all' ? below === 0 : below < v.services.length);
              okSince.set(v.address, met ? (okSince.get(v.address) ?? now) : undefined);
              const announced = out.announced.includes(v.address);
              if (announced && !met) return false;
              if (announced && !state.get(v.address)?.announced && now - okSince.get(v.address)! < holdDownMs)
                return false;
              if (met && !announced && now - okSince.get(v.address)! >= holdDownMs) return false;
            }
            state = out.state;
          }
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });
});
