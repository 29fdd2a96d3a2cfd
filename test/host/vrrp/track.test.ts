import { afterEach, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

describe.skipIf(!hasRoot('host: VRRP tracking'))('VRRP tracking with keepalived as the peer', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.close());

  it('track_interface: the tracked link going down puts lvsd in FAULT and keepalived takes over; link up → lvsd preempts back', async () => {
    lab = new Lab('vti');
    const vip = `${lab.net}.90`;
    const ns = lab.routers[0]!.ns;
    ns.ip('link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1');
    ns.ip('link', 'set', 'up0', 'up');
    ns.ip('link', 'set', 'up1', 'up');
    const inst = { vrid: 90, version: 3 as const, intervalMs: 100, vips: [`${vip}/24`] };
    lab.startKeepalived(1, { ...inst, priority: 100 });
    lab.startLvsd(0, { ...inst, priority: 150, extra: { track_interface: ['up0'] } });
    try {
      await until(() => lab!.holders(vip).join() === '0', 10_000, 'lvsd master');
      ns.ip('link', 'set', 'up0', 'down');
      await until(() => lab!.routers[0]!.events.some((e) => e.to === 'FAULT'), 3000, 'lvsd FAULT');
      await until(() => lab!.holders(vip).join() === '1', 3000, 'keepalived holding the VIP');
      expect(lab.routers[0]!.events.find((e) => e.to === 'FAULT')!.reason).toBe('tracked interface up0 down');
      ns.ip('link', 'set', 'up0', 'up');
      await until(() => lab!.holders(vip).join() === '0', 5000, 'lvsd back as master');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${lab.dump()}`);
    }
  });

  it('track_virtual_server: a virtual server below quorum lowers the priority (150 − 60) and keepalived (100) preempts; back above → lvsd preempts back', async () => {
    lab = new Lab('vtv');
    const vip = `${lab.net}.91`;
    const inst = { vrid: 91, version: 3 as const, intervalMs: 100, vips: [`${vip}/24`] };
    lab.startKeepalived(1, { ...inst, priority: 100 });
    lab.startLvsd(0, { ...inst, priority: 150, extra: { track_virtual_server: [{ name: 'web', weight: -60 }] } });
    try {
      await until(() => lab!.holders(vip).join() === '0', 10_000, 'lvsd master');
      lab.tell(0, 'vs web down');
      await until(() => lab!.holders(vip).join() === '1', 3000, 'keepalived preempting');
      const st = await lab.status(0);
      expect(st).toMatchObject({
        state: 'BACKUP',
        priority: 150,
        effectivePriority: 90,
        masterIp: lab.routers[1]!.addr,
      });
      lab.tell(0, 'vs web up');
      await until(() => lab!.holders(vip).join() === '0', 3000, 'lvsd preempting back');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${lab.dump()}`);
    }
  });
});
