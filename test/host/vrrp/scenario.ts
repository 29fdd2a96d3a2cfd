/** The failover scenario shared by the interop tests (helper, not a test). */
import { expect } from 'vitest';
import { until, type Inst, type Lab } from './lab.js';

/** A side of the scenario: which implementation, and its instance. */
export interface Side {
  kind: 'lvsd' | 'keepalived';
  inst: Inst;
}

/** What happens to the master, and what is expected when it comes back. */
export interface Plan {
  stop: 'SIGKILL' | 'SIGTERM';
  /** false: router 0 restarts with nopreempt and must stay BACKUP. */
  preemptBack: boolean;
}

function start(lab: Lab, i: number, s: Side): void {
  if (s.kind === 'lvsd') lab.startLvsd(i, s.inst);
  else lab.startKeepalived(i, s.inst);
}

const sec = (inst: Inst) => inst.intervalMs / 1000;
/** Generous bound on one takeover: Master_Down_Interval plus process start and polling slack. */
const bound = (inst: Inst) => Math.ceil((3 * sec(inst) + 1) * 1000) + 4000;

/**
 * Router 0 (higher priority) becomes master and the client learns its MAC; router 0 stops
 * (crash or graceful); router 1 takes the VIP and the client's neighbour entry moves (GARP);
 * router 0 restarts and takes the VIP back (or, nopreempt, leaves it).
 */
export async function failover(lab: Lab, a: Side, b: Side, plan: Plan): Promise<{ takeoverMs: number }> {
  const vip = a.inst.vips[0]!.split('/')[0]!;
  const [r0, r1] = lab.routers as [(typeof lab.routers)[0], (typeof lab.routers)[0]];
  try {
    start(lab, 1, b);
    start(lab, 0, a);
    await until(
      () => lab.holds(0, vip) && !lab.holds(1, vip),
      bound(b.inst) + 2000,
      `router 0 (${a.kind}) alone holding ${vip}`,
    );
    lab.client.exec('ping', ['-c1', '-W1', vip]);
    expect(lab.clientNeigh(vip)).toBe(r0.mac);
    await new Promise((r) => setTimeout(r, 4 * a.inst.intervalMs));
    expect(lab.holders(vip)).toEqual([0]);

    lab.signal(0, plan.stop);
    await lab.exited(0);
    if (plan.stop === 'SIGKILL' && lab.holds(0, vip))
      r0.ns.ip('addr', 'del', a.inst.vips[0]!.includes('/') ? a.inst.vips[0]! : `${vip}/32`, 'dev', 'eth0');
    const takeoverMs = await until(() => lab.holds(1, vip), bound(b.inst), `router 1 (${b.kind}) taking ${vip}`);
    expect(lab.holds(0, vip)).toBe(false);
    await until(() => lab.clientNeigh(vip) === r1.mac, 3000, 'client neighbour entry moving to router 1 (GARP)');

    start(lab, 0, plan.preemptBack ? a : { ...a, inst: { ...a.inst, preempt: false } });
    if (plan.preemptBack) {
      await until(() => lab.holds(0, vip) && !lab.holds(1, vip), bound(a.inst) + 2000, 'router 0 preempting back');
      await until(() => lab.clientNeigh(vip) === r0.mac, 3000, 'client neighbour entry moving back to router 0');
    } else {
      await new Promise((r) => setTimeout(r, 2000 + 4 * (3 * a.inst.intervalMs + 1000)));
      expect(lab.holders(vip)).toEqual([1]);
    }
    return { takeoverMs };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${lab.dump()}`);
  }
}
