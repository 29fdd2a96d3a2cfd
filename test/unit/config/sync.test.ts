/**
 * The [sync] table: normalization (sync id from the first instance's VRID, canonical group,
 * defaults) and every value the kernel would refuse or silently change, reported with its key path
 * and the reason (keepalived #1646: 0 silently ignored).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';

const VRRP = `[[vrrp_instance]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 51
priority = 150
virtual_ipaddress = ["10.0.1.100/24"]

[[vrrp_instance]]
name = "VI_2"
interface = "eth0"
virtual_router_id = 52
priority = 100
virtual_ipaddress = ["10.0.1.101/24"]
`;

function load(sync: string, vrrp = VRRP) {
  return parseConfig(`${vrrp}\n[sync]\n${sync}\n`, 't.toml');
}

function problems(sync: string, vrrp = VRRP): string[] {
  const r = load(sync, vrrp);
  if (r.ok) throw new Error('expected problems');
  return r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('[sync]', () => {
  it("tied to instances: the sync id is the first one's VRID, defaults applied", () => {
    const r = load('interface = "eth1"\nvrrp_instances = ["VI_2", "VI_1"]');
    expect(r.ok && r.config.sync).toEqual({
      interface: 'eth1',
      vrrp_instances: ['VI_2', 'VI_1'],
      sync_id: 52,
      startup_delay: 10_000,
      handover: 3000,
    });
  });

  it('every setting given; an IPv6 group in canonical form', () => {
    const r = load(
      'interface = "eth1"\nvrrp_instances = ["VI_1"]\nsync_id = 7\nmaxlen = 9000\ngroup = "FF02:0::1:2"\nport = 9000\nttl = 3\nstartup_delay = "20s"\nhandover = "5s"',
    );
    expect(r.ok && r.config.sync).toMatchObject({
      sync_id: 7,
      maxlen: 9000,
      group: 'ff02::1:2',
      port: 9000,
      ttl: 3,
      startup_delay: 20_000,
      handover: 5000,
    });
  });

  it('standalone with a role: sync id 0 unless given; no vrrp_instance needed', () => {
    const r = parseConfig('[sync]\ninterface = "eth1"\nrole = "backup"\n', 't.toml');
    expect(r.ok && r.config.sync).toMatchObject({ vrrp_instances: [], role: 'backup', sync_id: 0 });
  });

  it('0 for maxlen, port or ttl: refused, saying the kernel would use its default without a word', () => {
    expect(problems('interface = "eth1"\nvrrp_instances = ["VI_1"]\nmaxlen = 0\nport = 0\nttl = 0')).toEqual([
      'sync.maxlen: got 0, which the kernel takes as "not set" (it would use the MTU without a word): leave maxlen out instead',
      'sync.port: got 0, which the kernel takes as "not set" (it would use 8848 without a word): leave port out instead',
      'sync.ttl: got 0, which the kernel takes as "not set" (it would use 1 without a word): leave ttl out instead',
    ]);
  });

  it('values the kernel changes or refuses: small maxlen, sync id past 255, ttl past 255, unicast group, IPv6 maxlen', () => {
    expect(
      problems(
        'interface = "eth1"\nvrrp_instances = ["VI_1"]\nmaxlen = 500\nsync_id = 300\nttl = 256\ngroup = "10.1.2.3"',
      ),
    ).toEqual([
      'sync.sync_id: expected an integer 0-255, got 300',
      'sync.maxlen: expected an integer 1024-65507, got 500',
      'sync.ttl: expected an integer 0-255, got 256',
      'sync.group: group 10.1.2.3 is not a multicast address (224.0.0.0/4 or ff00::/8); the kernel refuses it',
    ]);
    expect(problems('interface = "eth1"\nvrrp_instances = ["VI_1"]\ngroup = "ff05::1"\nmaxlen = 65500')).toEqual([
      'sync.maxlen: at most 65487 with the IPv6 group ff05::1, got 65500',
    ]);
  });

  it('instances: unknown (with a suggestion), twice, priority 255; role with instances; neither', () => {
    const owner = VRRP.replace('priority = 150', 'priority = 255');
    expect(problems('interface = "eth1"\nvrrp_instances = ["VI_1", "VI_3", "VI_1"]\nrole = "master"', owner)).toEqual([
      'sync.vrrp_instances[0]: vrrp_instance "VI_1" has priority 255 (address owner): it becomes master at start without waiting for the connection table (startup_delay cannot apply); give it 254',
      'sync.vrrp_instances[1]: no vrrp_instance named "VI_3"; did you mean "VI_1"?',
      'sync.vrrp_instances[2]: "VI_1" is listed twice',
      'sync.role: role is for a standalone section: with vrrp_instances the daemons follow VRRP',
    ]);
    expect(problems('interface = "eth1"')).toEqual([
      'sync: give vrrp_instances (the daemons follow VRRP) or role (standalone: "master" or "backup")',
    ]);
  });

  it('the interface is required and must be a name; unknown keys get a suggestion', () => {
    expect(problems('vrrp_instances = ["VI_1"]\nintreface = "eth1"')).toEqual([
      'sync.interface: missing (required)',
      'sync.intreface: unknown key "intreface"; did you mean "interface"?',
    ]);
    expect(problems('interface = "eth1:0"\nvrrp_instances = ["VI_1"]')).toEqual([
      'sync.interface: expected an interface name (1-15 bytes, no spaces, "/" or ":"), got "eth1:0"',
    ]);
  });
});
