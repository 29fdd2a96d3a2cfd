import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/util/clock.js';
import type { TransitionEvent } from '../../../src/vrrp/instance.js';
import { encodeAdvert } from '../../../src/vrrp/packet.js';
import { VrrpRuntime } from '../../../src/vrrp/runtime.js';
import { fakeHost, fakeSockets } from './fakes.js';
import { vrrpInstanceSchema, type VrrpInstanceConfig } from '../../../src/vrrp/schema.js';

const cfg = (over: Record<string, unknown> = {}): VrrpInstanceConfig =>
  vrrpInstanceSchema.parse({
    name: 'VI_1',
    interface: 'eth0',
    virtual_router_id: 51,
    priority: 100,
    advert_interval: '100ms',
    virtual_ipaddress: ['10.0.0.50/24'],
    garp_master_delay: '0s',
    ...over,
  });
const flush = () => new Promise((r) => setImmediate(r));

async function setup(instances: VrrpInstanceConfig[]) {
  const host = fakeHost();
  const s = fakeSockets();
  const clock = new ManualClock();
  const transitions: TransitionEvent[] = [];
  const rt = new VrrpRuntime({ host, sockets: s.sockets, clock, onTransition: (t) => transitions.push(t) });
  await rt.start(instances);
  return { host, ...s, clock, rt, transitions };
}

describe('VrrpRuntime with a fake host and sockets', () => {
  it('resolves the interface and primary address, takes over, adds the VIP and sends 5 GARPs', async () => {
    const t = await setup([cfg()]);
    expect(t.opened[0]).toMatchObject({ family: 4, ifname: 'eth0', ifindex: 2, src: '10.0.0.2', peers: [] });
    t.clock.advance(362);
    await flush();
    expect(t.rt.status()[0]!.state).toBe('MASTER');
    expect([...t.host.addrs]).toEqual(['2/10.0.0.50/24']);
    expect(t.frames).toHaveLength(5);
    expect(t.frames[0]!.readUInt16BE(12)).toBe(0x0806);
  });

  it('an IPv6 instance sends from the link-local address and announces with NA frames', async () => {
    const t = await setup([cfg({ virtual_ipaddress: ['2001:db8::50/64'] })]);
    expect(t.opened[0]).toMatchObject({ family: 6, src: 'fe80::2' });
    t.clock.advance(362);
    await flush();
    expect(t.frames[0]!.readUInt16BE(12)).toBe(0x86dd);
  });

  it('a missing interface or source address puts the instance in FAULT (the others run) until a host event brings them', async () => {
    const t = await setup([
      cfg({ name: 'VI_late', interface: 'eth9', virtual_router_id: 52, virtual_ipaddress: ['10.0.9.50/24'] }),
      cfg({ name: 'VI_nosrc', interface: 'eth1', virtual_router_id: 53 }),
      cfg(),
    ]);
    expect(t.opened.map((o) => o.ifname)).toEqual(['eth0']);
    const byName = () => Object.fromEntries(t.rt.status().map((st) => [st.name, st]));
    expect(byName().VI_late).toMatchObject({
      state: 'FAULT',
      reason: 'interface eth9 does not exist; FAULT until it appears',
      advertsSent: 0,
    });
    expect(byName().VI_nosrc!.state).toBe('FAULT');
    expect(byName().VI_nosrc!.reason).toContain('interface eth1 has no IPv4 address to send adverts from');
    // the interface appears (link event), but without an address yet: still FAULT, now for the source
    t.host.linkList.push({ index: 9, name: 'eth9', mac: '02:00:00:00:00:09', up: true });
    t.host.emit({ kind: 'link', index: 9, name: 'eth9', up: true });
    await flush();
    expect(byName().VI_late!.reason).toContain('interface eth9 has no IPv4 address');
    // its address arrives: the instance binds to eth9 and takes over like any other
    t.host.addrList.push({ ifindex: 9, family: 4, address: '10.0.9.2', prefixlen: 24 });
    t.host.emit({ kind: 'addr', added: true, ifindex: 9, address: '10.0.9.2' });
    await flush();
    expect(t.opened.at(-1)).toMatchObject({ ifname: 'eth9', ifindex: 9, src: '10.0.9.2' });
    t.clock.advance(362);
    await flush();
    expect(byName().VI_late!.state).toBe('MASTER');
    expect(t.host.addrs.has('9/10.0.9.50/24')).toBe(true);
    expect(byName().VI_nosrc!.state).toBe('FAULT');
    // a reload without the waiting instance forgets it
    await t.rt.reload([
      cfg(),
      cfg({ name: 'VI_late', interface: 'eth9', virtual_router_id: 52, virtual_ipaddress: ['10.0.9.50/24'] }),
    ]);
    expect(t.rt.status().map((st) => st.name)).toEqual(['VI_1', 'VI_late']);
  });

  it('received packets are decoded against the instance; a higher advert keeps it BACKUP, garbage is counted', async () => {
    const t = await setup([cfg()]);
    const deliver = t.rx.get('eth010.0.0.2')!;
    const good = encodeAdvert(
      { version: 3, vrid: 51, priority: 200, intervalCs: 10, addresses: ['10.0.0.50'] },
      '10.0.0.9',
      '224.0.0.18',
    );
    for (let i = 0; i < 10; i++) {
      t.clock.advance(100);
      deliver({ ok: true, msg: good, meta: { src: '10.0.0.9', dst: '224.0.0.18', ttl: 255 } });
      deliver({ ok: true, msg: good.subarray(0, 9), meta: { src: '10.0.0.9', dst: '224.0.0.18', ttl: 255 } });
      deliver({ ok: false, reason: 'ip-header' });
    }
    const st = t.rt.status()[0]!;
    expect(st).toMatchObject({
      state: 'BACKUP',
      advertsReceived: 10,
      masterIp: '10.0.0.9',
      rejected: { length: 10, 'ip-header': 10 },
    });
  });

  it('a VIP deleted by someone else while MASTER → BACKUP (then back to MASTER without a peer); our own removals are not mistaken for it', async () => {
    const t = await setup([cfg()]);
    // the kernel's view of startup: our stale-VIP removal found nothing (no DELADDR), then our add
    t.clock.advance(362);
    await flush();
    t.host.emit({ kind: 'addr', added: true, ifindex: 2, address: '10.0.0.50' });
    t.host.emit({ kind: 'addr', added: false, ifindex: 2, address: '10.0.0.50' });
    expect(t.transitions.at(-1)).toMatchObject({ from: 'MASTER', to: 'BACKUP' });
    expect(t.transitions.at(-1)!.reason).toContain('deleted by someone else');
    t.clock.advance(362);
    await flush();
    expect(t.rt.status()[0]!.state).toBe('MASTER');
    expect(t.host.addrs.size).toBe(1);
    // our own removal's DELADDR (from the MASTER → BACKUP above) is not taken for an external one
    t.host.emit({ kind: 'addr', added: false, ifindex: 2, address: '10.0.0.50' });
    expect(t.rt.status()[0]!.state).toBe('MASTER');
    t.rt.setVirtualServerDown('x', true); // untracked name: no effect
    expect(t.rt.status()[0]!.state).toBe('MASTER');
  });

  it('link down of the interface → FAULT, up → BACKUP', async () => {
    const t = await setup([cfg()]);
    t.host.emit({ kind: 'link', index: 2, name: 'eth0', up: false });
    expect(t.rt.status()[0]!.state).toBe('FAULT');
    t.host.emit({ kind: 'link', index: 2, name: 'eth0', up: true });
    expect(t.rt.status()[0]!.state).toBe('BACKUP');
  });

  it('reload: an unchanged key keeps its state (no new transition, no re-GARP), a new priority is used, VIP changes are applied; a removed instance stops', async () => {
    const t = await setup([cfg(), cfg({ name: 'VI_2', virtual_router_id: 52, virtual_ipaddress: ['10.0.0.60/24'] })]);
    t.clock.advance(362);
    await flush();
    const nTrans = t.transitions.length;
    const nFrames = t.frames.length;
    await t.rt.reload([cfg({ priority: 120, virtual_ipaddress: ['10.0.0.50/24', '10.0.0.51/24'] })]);
    expect(t.transitions.slice(nTrans).map((x) => `${x.name}:${x.to}`)).toEqual(['VI_2:INIT']);
    expect(t.frames.length).toBe(nFrames);
    expect(t.rt.status().map((s) => [s.name, s.state, s.effectivePriority])).toEqual([['VI_1', 'MASTER', 120]]);
    expect([...t.host.addrs].sort()).toEqual(['2/10.0.0.50/24', '2/10.0.0.51/24']);
    t.clock.advance(100);
    expect(t.sent.at(-1)!.advert).toMatchObject({ priority: 120, addresses: ['10.0.0.50', '10.0.0.51'] });
  });

  it('stop: priority-0 advert from the master, VIPs removed', async () => {
    const t = await setup([cfg()]);
    t.clock.advance(362);
    await flush();
    await t.rt.stop();
    expect(t.sent.at(-1)!.advert.priority).toBe(0);
    expect(t.host.addrs.size).toBe(0);
  });
});
