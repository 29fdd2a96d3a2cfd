/**
 * The state machine against adverts that pass the codec but are forged: a short interval from the
 * master's address, priority-0 adverts from a router that is not the master or in a storm, and floods
 * a master must not amplify. Scripted on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import {
  initialState,
  masterDownMs,
  step,
  type MachineConfig,
  type VrrpAction,
  type VrrpEvent,
  type VrrpState,
} from '../../../src/vrrp/machine.js';
import type { Advert } from '../../../src/vrrp/packet.js';

const MASTER = '10.0.0.1';
const cfg: MachineConfig = {
  version: 3,
  intervalCs: 100,
  priority: 100,
  preempt: true,
  preemptDelayMs: 0,
  primaryIp: '10.0.0.2',
};
const ad = (priority: number, intervalCs = 100): Advert => ({
  version: 3,
  vrid: 51,
  priority,
  intervalCs,
  addresses: ['10.0.0.50'],
});
const advert = (now: number, priority: number, src = MASTER, intervalCs = 100): VrrpEvent => ({
  type: 'advert',
  now,
  advert: ad(priority, intervalCs),
  src,
});

/** Feeds events in time order, firing the machine's timer whenever it falls due before the next one. */
function drive(c: MachineConfig, s0: VrrpState, events: VrrpEvent[], until: number) {
  let s = s0;
  const actions: VrrpAction[] = [];
  const apply = (e: VrrpEvent) => {
    const r = step(c, s, e);
    s = r.state;
    actions.push(...r.actions);
  };
  for (const e of [...events, { type: 'timer', now: until } as VrrpEvent]) {
    while (s.deadline !== undefined && s.deadline <= e.now) apply({ type: 'timer', now: s.deadline });
    if (e.now < until || e.type !== 'timer') apply(e);
  }
  return { s, actions };
}
const transitions = (as: VrrpAction[]) => as.filter((a) => a.type === 'transition');
const ignored = (as: VrrpAction[]) => as.flatMap((a) => (a.type === 'ignore' ? [a.reason] : []));
const backupAt0 = () => step(cfg, initialState(cfg, 0), { type: 'startup', now: 0 }).state;
/** The real master's adverts every second from t=1000 to `end`. */
const realAdverts = (end: number) =>
  Array.from({ length: Math.floor(end / 1000) }, (_, i) => advert((i + 1) * 1000, 150));

describe('BACKUP: Master_Adver_Interval', () => {
  it('an advert with a shorter interval than ours does not shorten the Master_Down timer', () => {
    const r = step(cfg, backupAt0(), advert(2000, 150, MASTER, 1));
    expect(r.state.masterIntervalCs).toBe(100);
    expect(r.state.deadline).toBeCloseTo(2000 + masterDownMs(100, 100));
  });
  it('one forged short-interval advert among the real master adverts causes no transition', () => {
    const events = [...realAdverts(6000), advert(2500, 150, MASTER, 1)].sort((a, b) => a.now - b.now);
    expect(transitions(drive(cfg, backupAt0(), events, 6500).actions)).toEqual([]);
  });
  it('a longer interval is adopted (RFC 5798: the master sets it)', () => {
    expect(step(cfg, backupAt0(), advert(2000, 150, MASTER, 300)).state.masterIntervalCs).toBe(300);
  });
});

describe('BACKUP: priority 0', () => {
  it('from a router that is not the current master: ignored, the Master_Down timer keeps running', () => {
    const b = step(cfg, backupAt0(), advert(1000, 150)).state;
    const r = step(cfg, b, advert(1100, 0, '10.0.0.66'));
    expect(r.state.deadline).toBe(b.deadline);
    expect(ignored(r.actions)).toEqual(['resign-not-master']);
  });
  it('from the current master, which then goes silent: MASTER after Skew_Time (a real resignation)', () => {
    const r = drive(cfg, backupAt0(), [advert(1000, 150), advert(1500, 0)], 3000);
    expect(r.s.state).toBe('MASTER');
    expect(r.s.since).toBeCloseTo(1500 + 609.375);
  });
  it('a storm from the master address that a real advert contradicts is distrusted: no transition', () => {
    const storm = Array.from({ length: 61 }, (_, i) => advert(1020 + i * 50, 0));
    const events = [...realAdverts(9000), ...storm].sort((a, b) => a.now - b.now);
    const r = drive(cfg, backupAt0(), events, 9500);
    expect(transitions(r.actions)).toEqual([]);
    expect(ignored(r.actions)).toContain('resign-distrusted');
  });
});

describe('MASTER: answers to floods are rate-limited', () => {
  const master = drive(cfg, backupAt0(), [], 3700).s;
  it('1000 priority-0 adverts within 100 ms get at most one immediate answer', () => {
    const flood = Array.from({ length: 1000 }, (_, i) => advert(3800 + i / 10, 0, '10.0.0.66'));
    const sends = drive(cfg, master, flood, 3900).actions.filter((a) => a.type === 'send');
    expect(sends.length).toBe(1);
  });
  it('1000 lower-priority adverts within 100 ms get at most one immediate answer', () => {
    const flood = Array.from({ length: 1000 }, (_, i) => advert(3800 + i / 10, 50, '10.0.0.66'));
    const sends = drive(cfg, master, flood, 3900).actions.filter((a) => a.type === 'send');
    expect(sends.length).toBe(1);
  });
  it('the regular adverts go on during a flood (one per interval at least)', () => {
    const flood = Array.from({ length: 3000 }, (_, i) => advert(3800 + i, i % 2 ? 0 : 50, '10.0.0.66'));
    const r = drive(cfg, master, flood, 6800);
    expect(r.actions.filter((a) => a.type === 'send').length).toBeGreaterThanOrEqual(3);
    expect(r.s.state).toBe('MASTER');
  });
});
