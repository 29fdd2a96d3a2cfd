/**
 * Sync daemons switched inside VRRP transitions (a runtime with the fake host and sockets, the fake
 * kernel's sync daemons): the order against the VIPs, the overlap after each transition,
 * backup_only, and the startup hold (no preempting a lower-priority master before startup_delay;
 * taking over from a silent master at once).
 */
import { describe, expect, it } from 'vitest';
import { IpvsClient } from '../../../src/ipvs/client.js';
import { RuntimeSync } from '../../../src/sync/runtime-sync.js';
import type { SyncSetup } from '../../../src/sync/setup.js';
import { ManualClock } from '../../../src/util/clock.js';
import { applyWithSync } from '../../../src/vrrp/backend.js';
import { masterDownMs } from '../../../src/vrrp/machine.js';
import { encodeAdvert } from '../../../src/vrrp/packet.js';
import { VrrpRuntime } from '../../../src/vrrp/runtime.js';
import { vrrpInstanceSchema } from '../../../src/vrrp/schema.js';
import { fakeKernel } from '../ipvs/fake-kernel.js';
import { fakeHost, fakeSockets } from '../vrrp/fakes.js';

const instance = (priority: number) =>
  vrrpInstanceSchema.parse({
    name: 'VI_1',
    interface: 'eth0',
    virtual_router_id: 51,
    priority,
    advert_interval: '100ms',
    virtual_ipaddress: ['10.0.0.50/24'],
    garp_master_delay: '0s',
  });

const setupOf = (p: Partial<SyncSetup['spec']> = {}, holdMs = 10_000): SyncSetup => ({
  spec: { settings: { interface: 'eth1', syncId: 51 }, instances: ['VI_1'], handoverMs: 3000, backupOnly: false, ...p },
  holdMs,
});

async function run(priority: number, setup: SyncSetup) {
  const k = fakeKernel({ interfaces: ['eth1'] });
  const client = await IpvsClient.open({ conn: k.conn() });
  const host = fakeHost();
  const log = k.sync.log; // one timeline: sync commands and VIP changes
  const addVip = host.addVip;
  const delVip = host.delVip;
  host.addVip = async (v) => (log.push(`vip+ ${v.address}`), addVip(v));
  host.delVip = async (v) => (log.push(`vip- ${v.address}`), delVip(v));
  const s = fakeSockets();
  const clock = new ManualClock();
  const rt = new VrrpRuntime({ host, sockets: s.sockets, clock, onTransition: () => undefined });
  const kernel = {
    listDaemons: () => client.listDaemons(),
    startDaemon: (d: Parameters<IpvsClient['startDaemon']>[0]) => client.startDaemon(d),
    stopDaemon: (st: 'master' | 'backup') => client.stopDaemon(st),
    close: () => client.close(),
  };
  const sync = new RuntimeSync(rt, kernel, clock, () => undefined);
  await applyWithSync(rt, sync, 'start', [instance(priority)], setup);
  const settle = async () => {
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
  };
  const tick = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(Math.min(50, ms - t));
      await settle();
    }
  };
  const advert = (prio: number) =>
    s.rx.get('eth010.0.0.2')!({
      ok: true,
      msg: encodeAdvert(
        { version: 3, vrid: 51, priority: prio, intervalCs: 10, addresses: ['10.0.0.50'] },
        '10.0.0.9',
        '224.0.0.18',
      ),
      meta: { src: '10.0.0.9', dst: '224.0.0.18', ttl: 255 },
    });
  const state = () => rt.status()[0]!;
  const running = () => [...k.sync.daemons.keys()].sort().join('+');
  return { log, tick, advert, state, running, rt, sync, settle };
}

describe('sync daemons inside VRRP transitions', () => {
  it('start: backup daemon before anything; MASTER: master daemon before the VIP, backup kept for the handover', async () => {
    const t = await run(100, setupOf());
    await t.settle();
    // entering BACKUP at start removes VIPs a crashed lvsd may have left
    expect(t.log).toEqual(['start backup eth1', 'vip- 10.0.0.50']);
    await t.tick(masterDownMs(100, 10) + 50);
    expect(t.state().state).toBe('MASTER');
    expect(t.log.slice(2)).toEqual(['start master eth1', 'vip+ 10.0.0.50']);
    await t.tick(3000);
    expect(t.log.slice(4)).toEqual(['stop backup']);
    expect(t.running()).toBe('master');
  });

  it('MASTER → BACKUP: backup daemon before the VIP goes, master daemon kept for the handover', async () => {
    const t = await run(100, setupOf());
    await t.tick(masterDownMs(100, 10) + 3100);
    t.log.length = 0;
    t.advert(200);
    await t.settle();
    expect(t.state().state).toBe('BACKUP');
    expect(t.log).toEqual(['start backup eth1', 'vip- 10.0.0.50']);
    for (let i = 0; i < 35; i++) (t.advert(200), await t.tick(100));
    expect(t.log.slice(2)).toEqual(['stop master']);
  });

  it('backup_only: the backup daemon stops before the VIP is added, and starts only after it is removed', async () => {
    const t = await run(100, setupOf({ backupOnly: true }));
    await t.tick(masterDownMs(100, 10) + 50);
    expect(t.log.slice(2)).toEqual(['start master eth1', 'stop backup', 'vip+ 10.0.0.50']);
    t.log.length = 0;
    t.advert(200);
    await t.settle();
    expect(t.log).toEqual(['vip- 10.0.0.50', 'start backup eth1']);
  });

  it('startup hold: a lower-priority master is not preempted before startup_delay, then is', async () => {
    const t = await run(150, setupOf({}, 5000));
    expect(t.state().state).toBe('BACKUP');
    expect(t.state().preemptHeldUntil).toBeGreaterThan(Date.now() + 4000);
    for (let i = 0; i < 48; i++) (t.advert(100), await t.tick(100));
    expect(t.state().state).toBe('BACKUP');
    expect(t.running()).toBe('backup');
    for (let i = 0; i < 10; i++) (t.advert(100), await t.tick(100));
    expect(t.state().state).toBe('MASTER');
    expect(t.log).toEqual(['start backup eth1', 'vip- 10.0.0.50', 'start master eth1', 'vip+ 10.0.0.50']);
  });

  it('the contrast: without the hold the same node preempts within a Master_Down interval', async () => {
    const t = await run(150, setupOf({}, 0));
    for (let i = 0; i < 6; i++) (t.advert(100), await t.tick(100));
    expect(t.state().state).toBe('MASTER');
  });

  it('no master heard: the hold does not delay taking over', async () => {
    const t = await run(150, setupOf({}, 5000));
    await t.tick(masterDownMs(150, 10) + 50);
    expect(t.state().state).toBe('MASTER');
  });
});
