/**
 * The two forged adverts of issue 12 through a whole runtime (fake host and sockets, manual clock):
 * one v3 advert with interval 0 from the master's address to a backup, and adverts listing
 * unrelated addresses to a master. Neither changes state; both are counted and logged, rate-limited.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/util/clock.js';
import type { HostNet, VipSpec } from '../../../src/vrrp/hostnet.js';
import type { TransitionEvent } from '../../../src/vrrp/instance.js';
import type { Received } from '../../../src/vrrp/net.js';
import { encodeAdvert, type Advert } from '../../../src/vrrp/packet.js';
import { VrrpRuntime, type Sockets } from '../../../src/vrrp/runtime.js';
import { vrrpInstanceSchema } from '../../../src/vrrp/schema.js';

const SELF = '10.0.0.2';
const MASTER = '10.0.0.1';
const GROUP = '224.0.0.18';

async function setup(priority: number) {
  const vips = new Set<string>();
  const host: HostNet = {
    links: async () => [{ index: 2, name: 'eth0', mac: '02:00:00:00:00:02', up: true }],
    addresses: async () => [{ ifindex: 2, family: 4, address: SELF, prefixlen: 24 }],
    addVip: async (v: VipSpec) => void vips.add(v.address),
    delVip: async (v: VipSpec) => void vips.delete(v.address),
    subscribe: () => () => undefined,
    close: () => undefined,
  };
  let deliver: (r: Received) => void = () => undefined;
  const frames: Buffer[] = [];
  const sockets: Sockets = {
    openAdvert: () => ({ send: () => undefined, onReceive: (f) => void (deliver = f), close: () => undefined }),
    openFrames: () => ({ send: (f: Buffer) => void frames.push(f), close: () => undefined }),
  };
  const clock = new ManualClock();
  const transitions: TransitionEvent[] = [];
  const warnings: Array<{ msg: string; detail: Record<string, unknown> }> = [];
  const rt = new VrrpRuntime({
    host,
    sockets,
    clock,
    onTransition: (t) => transitions.push(t),
    onWarning: (msg, detail) => warnings.push({ msg, detail }),
  });
  const cfg = vrrpInstanceSchema.parse({
    name: 'VI_51',
    interface: 'eth0',
    virtual_router_id: 51,
    priority,
    advert_interval: '1s',
    virtual_ipaddress: ['10.0.0.50/24'],
    garp_master_delay: '0s',
  });
  await rt.start([cfg]);
  const send = (a: Partial<Advert>, src = MASTER) => {
    const advert: Advert = { version: 3, vrid: 51, priority: 150, intervalCs: 100, addresses: ['10.0.0.50'], ...a };
    deliver({ ok: true, msg: encodeAdvert(advert, src, GROUP), meta: { src, dst: GROUP, ttl: 255 } });
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return { rt, clock, send, transitions, warnings, frames, vips, settle };
}

describe('issue 12 defect 3: interval 0', () => {
  it('one spoofed v3 advert (priority 150, interval 0, the master as source) leaves the backup BACKUP, no GARP', async () => {
    const t = await setup(100);
    t.send({});
    t.clock.advance(900);
    t.send({ intervalCs: 0 });
    t.clock.advance(50);
    t.send({});
    t.clock.advance(500);
    await t.settle();
    expect(t.transitions.map((x) => x.to)).toEqual(['BACKUP']);
    expect(t.frames).toHaveLength(0);
    expect(t.rt.status()[0]!.rejected).toEqual({ 'interval-zero': 1 });
    expect(t.rt.status()[0]!.advertsReceived).toBe(2);
    expect(t.warnings.map((w) => w.detail.reason)).toEqual(['interval-zero']);
  });
});

describe('priority 0 from a router that is not the master', () => {
  it('is ignored: counted as resign-not-master, not as received, and the backup waits for the master', async () => {
    const t = await setup(100);
    t.send({});
    for (let i = 0; i < 5; i++) t.send({ priority: 0 }, '10.0.0.66');
    t.clock.advance(2000);
    await t.settle();
    expect(t.transitions.map((x) => x.to)).toEqual(['BACKUP']);
    expect(t.rt.status()[0]).toMatchObject({ advertsReceived: 1, rejected: { 'resign-not-master': 5 } });
  });
});

describe('issue 12 defect 4: address list', () => {
  it('priority 200 with an unrelated address, or 255 random ones, does not make the master step down', async () => {
    const t = await setup(150);
    t.clock.advance(3500);
    await t.settle();
    expect(t.rt.status()[0]!.state).toBe('MASTER');
    for (let i = 0; i < 50; i++) {
      t.send({ priority: 200, addresses: ['192.0.2.99'] }, '10.0.0.9');
      t.send({ priority: 200, addresses: Array.from({ length: 255 }, (_, k) => `198.51.100.${k}`) }, '10.0.0.9');
      t.clock.advance(20);
    }
    await t.settle();
    expect(t.rt.status()[0]!.state).toBe('MASTER');
    expect(t.vips.has('10.0.0.50')).toBe(true);
    expect(t.rt.status()[0]!.rejected).toEqual({ 'address-list': 50, 'address-count': 50 });
    // logged once per reason, not 100 times
    expect(t.warnings.map((w) => w.detail.reason).sort()).toEqual(['address-count', 'address-list']);
    expect(t.warnings[0]!.msg).toContain('VI_51');
  });
  it('the log names how many were suppressed when the next line is due (one a minute per reason)', async () => {
    const t = await setup(150);
    t.clock.advance(3500);
    for (let i = 0; i < 10; i++) t.send({ priority: 200, addresses: ['192.0.2.99'] }, '10.0.0.9');
    t.clock.advance(61_000);
    t.send({ priority: 200, addresses: ['192.0.2.99'] }, '10.0.0.9');
    expect(t.warnings).toHaveLength(2);
    expect(t.warnings[1]!.detail).toMatchObject({ reason: 'address-list', suppressed: 9 });
  });
});
