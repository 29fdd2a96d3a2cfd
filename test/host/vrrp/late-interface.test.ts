import { describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

describe.skipIf(!hasRoot('host: VRRP interface that appears after start'))(
  'VRRP: an interface missing at start',
  () => {
    it('keeps lvsd running with the instance in FAULT, then takes over once the interface and its address appear', async () => {
      // a lab per attempt: a retry must not find the first attempt's eth7 or its lvsd
      const lab = new Lab('vli', 1);
      const r = lab.routers[0]!;
      const vip = '10.233.7.50';
      const onEth7 = () => r.ns.ip('-o', 'addr', 'show', 'dev', 'eth7').includes(`${vip}/24`);
      lab.startLvsd(0, {
        vrid: 61,
        priority: 100,
        version: 3,
        intervalMs: 100,
        vips: [`${vip}/24`],
        extra: { interface: 'eth7' },
      });
      try {
        await until(() => r.events.some((e) => e.ev === 'ready'), 10000, 'the VRRP service started');
        await new Promise((res) => setTimeout(res, 1000));
        lab.tell(0, 'status');
        await until(() => r.events.some((e) => e.ev === 'status'), 5000, 'a status answer');
        const st = (r.events.find((e) => e.ev === 'status')!.status as Array<Record<string, unknown>>)[0]!;
        expect(st).toMatchObject({
          name: 'VI_61',
          state: 'FAULT',
          reason: 'interface eth7 does not exist; FAULT until it appears',
        });
        expect(r.proc!.exitCode).toBeNull(); // still running, not exited on the missing interface
        // the interface arrives (a veth, so multicast and AF_PACKET work), then its address
        r.ns.ip('link', 'add', 'eth7', 'type', 'veth', 'peer', 'name', 'eth7p');
        r.ns.ip('link', 'set', 'eth7p', 'up');
        r.ns.ip('link', 'set', 'eth7', 'up');
        await new Promise((res) => setTimeout(res, 300));
        expect(onEth7()).toBe(false); // no source address yet: still FAULT
        r.ns.ip('addr', 'add', '10.233.7.2/24', 'dev', 'eth7');
        await until(onEth7, 10000, 'VIP on eth7');
        // the worker adds the VIP before the main thread reports the transition
        await until(() => r.events.some((e) => e.to === 'MASTER'), 5000, 'the MASTER transition');
        expect(r.proc!.exitCode).toBeNull();
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${lab.dump()}`);
      } finally {
        lab.close();
      }
    });
  },
);
