import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../src/config/load.js';
import { guestScript, parseLabArgs } from '../../../src/lab/main.js';
import { addedService } from '../../../src/lab/steps.js';
import { BACKENDS, LBS, topologySetup, VIP } from '../../../src/lab/topology.js';

describe('lab topology and story inputs', () => {
  it('the lab configs name the topology: VIP, DR to every backend, a VRRP instance on eth0 for the VIP', () => {
    for (const lb of LBS) {
      const r = parseConfig(readFileSync(lb.conf, 'utf8'), lb.conf);
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      const vs = r.config.virtual_server[0];
      expect(vs.key).toBe(`TCP ${VIP}:80`);
      expect(vs.real_server.map((rs) => rs.address).sort()).toEqual(BACKENDS.map((b) => b.addr));
      expect(r.config.global.control_socket).toBe(lb.socket);
      expect(JSON.stringify(r.config.vrrp_instance[0])).toContain(VIP);
    }
  });

  it('the service step 4 appends keeps the config valid and adds exactly one virtual server', () => {
    const base = readFileSync('conf/lab/lb2.toml', 'utf8');
    const r = parseConfig(base + addedService(), 'lb2+added');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.virtual_server.map((v) => `${v.name} ${v.key}`)).toEqual([
      `web TCP ${VIP}:80`,
      `web-8080 TCP ${VIP}:8080`,
    ]);
  });

  it('builds every namespace, the bridge, and the DR setup of each backend', () => {
    const sh = topologySetup();
    for (const ns of ['lb1', 'lb2', 'be1', 'be2', 'be3', 'client']) expect(sh).toContain(`ip netns add ${ns}\n`);
    for (const b of BACKENDS) expect(sh).toContain(`ip -n ${b.name} addr add ${VIP}/32 dev lo`);
    expect(sh.startsWith('set -e')).toBe(true);
    expect(guestScript(false)).toContain('dist/src/lab/story.js');
    expect(guestScript(false)).not.toContain('cmd/quit');
    expect(guestScript(true)).toContain('cmd/quit');
  });

  it('parses lab arguments and names an unknown one', () => {
    expect(parseLabArgs(['--short', '--keep'])).toEqual({ short: true, keep: true, help: false, ecmp: false });
    expect(parseLabArgs(['--ecmp'])).toMatchObject({ ecmp: true, short: false });
    expect(() => parseLabArgs(['--shrot'])).toThrow('unknown argument "--shrot"');
  });
});
