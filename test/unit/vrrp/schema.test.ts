import { describe, expect, it } from 'vitest';
import { instanceFamily, vrrpInstanceSchema } from '../../../src/vrrp/schema.js';
import { effectivePriority, nextScriptHealth } from '../../../src/vrrp/track.js';

const base = { name: 'VI_51', interface: 'eth0', virtual_router_id: 51, virtual_ipaddress: ['10.99.0.50/24'] };
const errors = (x: unknown) => {
  const r = vrrpInstanceSchema.safeParse(x);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('vrrpInstanceSchema', () => {
  it('applies keepalived-like defaults and normalises VIPs', () => {
    const c = vrrpInstanceSchema.parse(base);
    expect(c).toMatchObject({
      priority: 100,
      version: 3,
      advert_interval: 1000,
      preempt: true,
      garp_master_repeat: 5,
      garp_master_delay: 5000,
    });
    expect(c.virtual_ipaddress).toEqual([{ address: '10.99.0.50', prefix: 24, dev: undefined, label: undefined }]);
    expect(instanceFamily(c)).toBe(4);
  });
  it('parses the config-sketch example', () => {
    const c = vrrpInstanceSchema.parse({
      ...base,
      priority: 150,
      version: 2,
      advert_interval: '1s',
      preempt_delay: '0s',
      authentication: { type: 'pass', password: 's3cret' },
      track_interface: ['eth0'],
      track_virtual_server: [{ name: 'web', weight: -60 }],
      notify: { master: ['/bin/true', 'VI_51'], backup: [], fault: [] },
      virtual_ipaddress: [{ address: '10.99.0.51', prefix: 24, label: 'eth0:vip' }],
    });
    expect(c.track_interface).toEqual([{ name: 'eth0', weight: 0 }]);
    expect(c.notify.stop).toEqual([]);
  });
  it('rejects bad values with messages naming the key', () => {
    expect(errors({ ...base, version: 2, advert_interval: '1500ms' }).join()).toMatch(
      /advert_interval: VRRPv2 needs whole seconds/,
    );
    expect(errors({ ...base, advert_interval: '41s' }).join()).toMatch(/advert_interval: VRRPv3 needs centiseconds/);
    expect(errors({ ...base, advert_interval: '15ms' }).join()).toMatch(/centiseconds/);
    expect(errors({ ...base, version: 2, virtual_ipaddress: ['2001:db8::1/64'] }).join()).toMatch(
      /version: VRRPv2 carries IPv4 only/,
    );
    expect(errors({ ...base, authentication: { type: 'pass', password: 'x' } }).join()).toMatch(
      /authentication: .*VRRPv2/,
    );
    expect(
      errors({
        ...base,
        version: 2,
        advert_interval: '1s',
        authentication: { type: 'pass', password: 'longerthan8' },
      }).join(),
    ).toMatch(/8 bytes/);
    expect(errors({ ...base, virtual_router_id: 256 }).join()).toMatch(/virtual_router_id/);
    expect(errors({ ...base, priority: 0 }).join()).toMatch(/priority/);
    expect(errors({ ...base, virtual_ipaddress: ['10.0.0.1/33'] }).join()).toMatch(/not an address/);
    expect(errors({ ...base, virtual_ipaddress: ['10.0.0.1', 'fe80::1'] }).join()).toMatch(/one family/);
    expect(errors({ ...base, unicast_peers: ['fe80::2'] }).join()).toMatch(
      /unicast_peers: fe80::2 is not of the virtual IPs' family/,
    );
    expect(errors({ ...base, virtual_ipaddress: [] }).join()).toMatch(/at least one virtual IP/);
    expect(errors({ ...base, bogus: 1 }).join()).toMatch(/bogus/);
    expect(errors({ ...base, track_script: [{ argv: [] }] }).join()).toMatch(/argv/);
  });
  it('IPv6 VIPs with version 3 are accepted (family 6)', () => {
    const c = vrrpInstanceSchema.parse({
      ...base,
      advert_interval: '100ms',
      virtual_ipaddress: ['2001:db8::50/64', 'fe80::50'],
    });
    expect(instanceFamily(c)).toBe(6);
    expect(c.virtual_ipaddress[1]!.prefix).toBe(128);
  });
});

describe('effective priority', () => {
  const cfg = vrrpInstanceSchema.parse({
    ...base,
    priority: 150,
    track_interface: ['eth0', { name: 'eth1', weight: -20 }, { name: 'eth2', weight: 10 }],
    track_virtual_server: [{ name: 'web', weight: -60 }, { name: 'db' }],
  });
  const t = (links: Record<string, boolean>, vsDown: string[] = []) => ({
    links: new Map(Object.entries(links)),
    scripts: new Map(),
    vsDown: new Set(vsDown),
  });
  it('adds weights: negative while failing, positive while healthy; clamps to 1..254', () => {
    expect(effectivePriority(cfg, t({}))).toEqual({ priority: 160 });
    expect(effectivePriority(cfg, t({ eth1: false }))).toEqual({ priority: 140 });
    expect(effectivePriority(cfg, t({ eth2: false }, ['web']))).toEqual({ priority: 90 });
    const big = vrrpInstanceSchema.parse({ ...base, priority: 250, track_interface: [{ name: 'eth2', weight: 50 }] });
    expect(effectivePriority(big, t({})).priority).toBe(254);
  });
  it('weight 0 objects and the instance interface fault the instance', () => {
    expect(effectivePriority(cfg, t({ eth0: false })).fault).toBe('interface eth0 down');
    expect(effectivePriority(cfg, t({}, ['db'])).fault).toBe('virtual server db below quorum');
  });
  it('script rise/fall needs consecutive results', () => {
    let h = { ok: true, streak: 0 };
    h = nextScriptHealth(h, false, 2, 3);
    h = nextScriptHealth(h, false, 2, 3);
    expect(h.ok).toBe(true);
    h = nextScriptHealth(h, false, 2, 3);
    expect(h.ok).toBe(false);
    h = nextScriptHealth(h, true, 2, 3);
    h = nextScriptHealth(h, false, 2, 3);
    h = nextScriptHealth(h, true, 2, 3);
    expect(h.ok).toBe(false);
    h = nextScriptHealth(h, true, 2, 3);
    expect(h.ok).toBe(true);
  });
});
