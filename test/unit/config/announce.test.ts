/** [announce] and ecmp virtual servers: validation with key paths, normalization, the destination order. */
import { describe, expect, it } from 'vitest';
import { formatProblems, parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';

function ok(text: string): Config {
  const r = parseConfig(text, 't.toml');
  if (!r.ok) throw new Error(formatProblems('t.toml', r.problems));
  return r.config;
}
function problems(text: string): string[] {
  const r = parseConfig(text, 't.toml');
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

const ecmpVs = `
[[virtual_server]]
name = "web"
address = "192.0.2.10"
port = 80
scheduler = "mh"
scheduler_flags = ["mh-port"]
forwarding = "dr"
ecmp = true
  [[virtual_server.real_server]]
  address = "10.0.0.10"
  [[virtual_server.real_server]]
  address = "10.0.0.9"
  [[virtual_server.real_server]]
  address = "10.0.0.100"
`;

describe('[announce]', () => {
  it('normalizes: canonical VIPs, defaults for protocol, policy and hold_down', () => {
    const c = ok(`[announce]\ntable = 100\nvips = ["192.0.2.10", "2001:DB8::0:10"]\n${ecmpVs}
[[virtual_server]]
name = "web6"
address = "2001:db8::10"
port = 80
`);
    expect(c.announce).toEqual({
      table: 100,
      protocol: 201,
      vips: ['192.0.2.10', '2001:db8::10'],
      policy: 'all',
      hold_down: 5000,
    });
    expect(ok(ecmpVs).announce).toBeUndefined();
  });

  it('names every problem with its key path', () => {
    expect(
      problems(
        `[announce]\ntable = 254\nprotocol = 12\nvips = ["192.0.2.10", "192.0.2.99", "192.0.2.10"]\npolicy = "most"\nhold_down = "soon"\n${ecmpVs}`,
      ),
    ).toEqual([
      "announce.table: tables 253-255 are the kernel's (default, main, local); pick another, got 254",
      'announce.protocol: that number is the route protocol of bird; pick another, got 12',
      'announce.policy: expected one of any, all, got "most"',
      expect.stringMatching(/^announce\.hold_down: /),
      'announce.vips[1]: 192.0.2.99 is not the address of any virtual_server',
      'announce.vips[2]: 192.0.2.10 is listed twice (also vips[0])',
    ]);
    expect(problems(`[announce]\nvips = []\n${ecmpVs}`)).toEqual([
      'announce.table: missing (required)',
      'announce.vips: name at least one VIP',
    ]);
  });
});

describe('ecmp virtual servers', () => {
  it('adds real servers in one order: family, address bytes, port', () => {
    expect(ok(ecmpVs).virtual_server[0]!.real_server.map((r) => r.key)).toEqual([
      '10.0.0.9:80',
      '10.0.0.10:80',
      '10.0.0.100:80',
    ]);
    expect(ok(ecmpVs.replace('ecmp = true', '')).virtual_server[0]!.real_server.map((r) => r.key)).toEqual([
      '10.0.0.10:80',
      '10.0.0.9:80',
      '10.0.0.100:80',
    ]);
  });

  it('--check names every setting ecmp mode needs', () => {
    const bad = ecmpVs
      .replace('scheduler = "mh"', 'scheduler = "wrr"')
      .replace('scheduler_flags = ["mh-port"]', 'slow_start = "10s"\non_failure = "remove"')
      .replace('forwarding = "dr"', 'forwarding = "nat"');
    expect(problems(bad)).toEqual([
      'virtual_server[0] (web).ecmp: scheduler must be "mh" (Maglev hashing, the same choice on every director), not "wrr"',
      'virtual_server[0] (web).ecmp: forwarding must be "dr" or "tun" (with nat the answers must return through the same director)',
      'virtual_server[0] (web).ecmp: on_failure must be "weight0" (a removed and re-added server changes the destination order)',
      'virtual_server[0] (web).ecmp: slow_start must be unset (each director would ramp on its own clock, so the tables would differ)',
    ]);
    expect(problems(ecmpVs.replace('scheduler_flags = ["mh-port"]', ''))).toEqual([
      'virtual_server[0] (web).ecmp: scheduler_flags must include "mh-port" (otherwise mh hashes the source address only)',
    ]);
  });
});
