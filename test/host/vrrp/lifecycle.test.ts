import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { Lab, lvsdInstance, sniff, until, type Inst } from './lab.js';

describe.skipIf(!hasRoot('host: VRRP lifecycle'))(
  'VRRP lifecycle of one lvsd: notify hooks, external VIP deletion, reload, graceful stop',
  () => {
    const lab = new Lab('vlc', 1);
    afterAll(() => lab.close());
    const vip = `${lab.net}.95`;
    const hookOut = join(lab.dir, 'hooks.log');
    const hook = [
      process.execPath,
      '-e',
      `require('fs').appendFileSync(${JSON.stringify(hookOut)}, [process.env.LVSD_VRRP_INSTANCE, process.env.LVSD_VRRP_STATE, process.env.LVSD_VRRP_FROM, process.argv[1]].join(' ') + '\\n')`,
    ];
    const inst = (priority: number): Inst => ({
      vrid: 95,
      priority,
      version: 3,
      intervalMs: 100,
      vips: [`${vip}/24`],
      extra: {
        garp_master_delay: '0s',
        notify: { master: [...hook, 'm'], backup: [...hook, 'b'], fault: [], stop: [...hook, 's'] },
      },
    });
    const events = () => lab.routers[0]!.events;

    it('becomes MASTER and runs the master hook with the state in LVSD_VRRP_* variables', async () => {
      lab.startLvsd(0, inst(100));
      await until(() => lab.holds(0, vip), 10_000, 'MASTER with VIP');
      await until(
        () => readFileSync(hookOut, { encoding: 'utf8', flag: 'a+' }).includes('VI_95 MASTER BACKUP m'),
        5000,
        'master hook',
      );
      expect(readFileSync(hookOut, 'utf8')).toContain('VI_95 BACKUP INIT b');
    });

    it('a VIP deleted by someone else: MASTER → BACKUP (reason says so), then MASTER again with the VIP back', async () => {
      const n = events().length;
      lab.routers[0]!.ns.ip('addr', 'del', `${vip}/24`, 'dev', 'eth0');
      await until(
        () =>
          events()
            .slice(n)
            .some((e) => e.to === 'BACKUP'),
        3000,
        'BACKUP after external delete',
      );
      expect(
        String(
          events()
            .slice(n)
            .find((e) => e.to === 'BACKUP')!.reason,
        ),
      ).toContain('deleted by someone else');
      await until(
        () =>
          lab.holds(0, vip) &&
          events()
            .slice(n)
            .some((e) => e.to === 'MASTER'),
        3000,
        'MASTER again',
      );
    });

    it('reload with a new priority keeps the state: no transition, no gratuitous ARP, adverts carry the new priority', async () => {
      const s = sniff(lab);
      try {
        await new Promise((r) => setTimeout(r, 500));
        const n = events().length;
        const file = join(lab.dir, 'reload.json');
        writeFileSync(file, JSON.stringify({ router_id: 'lb1', vrrp_instance: [lvsdInstance(inst(120))] }));
        const t0 = Date.now() / 1000;
        lab.tell(0, `reload ${file}`);
        await until(
          () =>
            events()
              .slice(n)
              .some((e) => e.ev === 'reloaded'),
          5000,
          'reloaded',
        );
        await until(() => s.frames.some((f) => f.ts > t0 && f.prio === 120), 3000, 'adverts with priority 120');
        expect(
          events()
            .slice(n)
            .filter((e) => e.ev === 'transition'),
        ).toEqual([]);
        expect(s.frames.filter((f) => f.ts > t0 && f.kind === 'garp')).toEqual([]);
        expect((await lab.status(0)).effectivePriority).toBe(120);
      } finally {
        s.stop();
      }
    });

    it('SIGTERM: one priority-0 advert, then the VIP is removed, the stop hook runs and the process exits 0', async () => {
      const s = sniff(lab);
      try {
        await new Promise((r) => setTimeout(r, 500));
        lab.signal(0, 'SIGTERM');
        await lab.exited(0);
        expect(lab.routers[0]!.proc!.exitCode).toBe(0);
        await new Promise((r) => setTimeout(r, 300));
        expect(s.frames.filter((f) => f.kind === 'vrrp' && f.prio === 0)).toHaveLength(1);
        expect(lab.holds(0, vip)).toBe(false);
        expect(readFileSync(hookOut, 'utf8')).toContain('VI_95 STOP MASTER s');
      } finally {
        s.stop();
      }
    });

    it('a start after a crash (kill -9 left the VIP behind) removes the stale VIP while BACKUP, then takes over', async () => {
      lab.startLvsd(0, inst(100));
      await until(() => lab.holds(0, vip), 10_000, 'MASTER with VIP');
      lab.signal(0, 'SIGKILL');
      await lab.exited(0);
      expect(lab.holds(0, vip)).toBe(true); // a crash removes nothing
      lab.startLvsd(0, { ...inst(100), version: 2, intervalMs: 1000, extra: { garp_master_delay: '0s' } });
      await until(() => events().some((e) => e.to === 'BACKUP'), 10_000, 'BACKUP after restart');
      await until(() => !lab.holds(0, vip), 2000, 'stale VIP removed while BACKUP');
      expect(events().some((e) => e.to === 'MASTER')).toBe(false);
      await until(() => lab.holds(0, vip), 6000, 'MASTER again after Master_Down_Interval');
    });
  },
);
