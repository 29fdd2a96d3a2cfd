import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/util/clock.js';
import { VrrpInstance, type InstanceIo, type TransitionEvent } from '../../../src/vrrp/instance.js';
import { vrrpInstanceSchema } from '../../../src/vrrp/schema.js';
import type { Advert } from '../../../src/vrrp/packet.js';

function fakeIo() {
  const log: string[] = [];
  const io: InstanceIo & { log: string[]; adverts: Advert[] } = {
    log,
    adverts: [],
    sendAdvert(a) {
      io.adverts.push(a);
      log.push(`send ${a.priority}`);
    },
    async addVips() {
      log.push('add');
    },
    async removeVips() {
      log.push('remove');
    },
    announce() {
      log.push('garp');
    },
  };
  return io;
}
const flush = () => new Promise((r) => setImmediate(r));

function make(over: Record<string, unknown> = {}) {
  const cfg = vrrpInstanceSchema.parse({
    name: 'VI_1',
    interface: 'eth0',
    virtual_router_id: 51,
    priority: 100,
    advert_interval: '100ms',
    virtual_ipaddress: ['10.0.0.50/24'],
    garp_master_repeat: 3,
    garp_master_delay: '5s',
    ...over,
  });
  const clock = new ManualClock();
  const io = fakeIo();
  const transitions: TransitionEvent[] = [];
  const inst = new VrrpInstance(cfg, {
    clock,
    io,
    primaryIp: '10.0.0.2',
    onTransition: (t) => transitions.push(t),
    wallNow: () => 42,
  });
  return { cfg, clock, io, inst, transitions };
}
const advert = (priority: number): Advert => ({
  version: 3,
  vrid: 51,
  priority,
  intervalCs: 10,
  addresses: ['10.0.0.50'],
});

describe('VrrpInstance driver', () => {
  it('takes over after Master_Down_Interval: advert, VIPs, then a GARP burst and a second burst after garp_master_delay', async () => {
    const { clock, io, inst, transitions } = make();
    inst.start();
    expect(inst.state.state).toBe('BACKUP');
    clock.advance(360);
    expect(inst.state.state).toBe('BACKUP');
    clock.advance(1);
    expect(inst.state.state).toBe('MASTER');
    await flush();
    expect(io.log).toEqual(['send 100', 'remove', 'add', 'garp', 'garp', 'garp']); // VIP ops are serialised after the synchronous send
    clock.advance(5000);
    expect(io.log.filter((l) => l === 'garp')).toHaveLength(6);
    expect(io.log.filter((l) => l === 'send 100').length).toBeGreaterThanOrEqual(50);
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['INIT>BACKUP', 'BACKUP>MASTER']);
    expect(transitions[1]!.reason).toBe('master down timer expired');
  });

  it('adverts from a higher-priority master keep it BACKUP; rejected packets only count', () => {
    const { clock, inst } = make();
    inst.start();
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      inst.receive({ ok: true, advert: advert(150) }, '10.0.0.1');
      inst.receive({ ok: false, reason: 'ttl' }, '10.0.0.9');
    }
    expect(inst.state.state).toBe('BACKUP');
    const st = inst.status();
    expect(st.advertsReceived).toBe(20);
    expect(st.rejected).toEqual({ ttl: 20 });
    expect(st.masterIp).toBe('10.0.0.1');
  });

  it('track_virtual_server lowers the effective priority; weight 0 faults', () => {
    const { clock, io, inst } = make({ track_virtual_server: [{ name: 'web', weight: -60 }, { name: 'db' }] });
    inst.start();
    clock.advance(400);
    inst.setVirtualServerDown('web', true);
    expect(inst.status().effectivePriority).toBe(40);
    clock.advance(100);
    expect(io.adverts.at(-1)!.priority).toBe(40);
    inst.setVirtualServerDown('db', true);
    expect(inst.state.state).toBe('FAULT');
    expect(io.adverts.at(-1)!.priority).toBe(0);
    inst.setVirtualServerDown('db', false);
    expect(inst.state.state).toBe('BACKUP');
  });

  it('link down of the instance interface → FAULT; up again → BACKUP', () => {
    const { inst } = make();
    inst.start();
    inst.setLink('eth0', false);
    expect(inst.state.state).toBe('FAULT');
    expect(inst.status().reason).toBe('interface eth0 down');
    inst.setLink('eth0', true);
    expect(inst.state.state).toBe('BACKUP');
  });

  it('stop as MASTER: one priority-0 advert, then the VIPs are removed; no timers left', async () => {
    const { clock, io, inst } = make({ garp_master_delay: '0s' });
    inst.start();
    clock.advance(400);
    await flush();
    io.log.length = 0;
    await inst.stop();
    expect(io.log).toEqual(['send 0', 'remove']);
    expect(clock.pending()).toBe(0);
  });

  it('v2 adverts carry the PASS password and whole-second interval', () => {
    const { clock, io, inst } = make({
      version: 2,
      advert_interval: '1s',
      authentication: { type: 'pass', password: 'pw' },
    });
    inst.start();
    clock.advance(3700);
    expect(io.adverts[0]).toMatchObject({ version: 2, intervalCs: 100, password: 'pw', priority: 100 });
  });

  it('garp_master_refresh repeats one announcement round while MASTER; garp_interval spaces a burst; leaving MASTER stops both', async () => {
    const { clock, io, inst } = make({ garp_master_delay: '0s', garp_master_refresh: '10s', garp_interval: '100ms' });
    inst.start();
    clock.advance(361);
    await flush();
    const garps = () => io.log.filter((l) => l === 'garp').length;
    expect(garps()).toBe(1);
    clock.advance(200);
    expect(garps()).toBe(3);
    clock.advance(10_000);
    expect(garps()).toBe(4);
    clock.advance(10_000);
    expect(garps()).toBe(5);
    inst.receive({ ok: true, advert: advert(200) }, '10.0.0.1');
    expect(inst.state.state).toBe('BACKUP');
    for (let i = 0; i < 250; i++) {
      clock.advance(100);
      inst.receive({ ok: true, advert: advert(200) }, '10.0.0.1');
      await flush();
    }
    expect(inst.state.state).toBe('BACKUP');
    expect(garps()).toBe(5);
  });
});
