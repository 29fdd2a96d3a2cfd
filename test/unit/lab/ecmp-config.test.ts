import { describe, expect, it } from 'vitest';
import { parseConfig, formatProblems } from '../../../src/config/load.js';
import { DIRECTORS } from '../../../src/lab/ecmp/topology.js';
import { ecmpLvsdConfig } from '../../../src/lab/ecmp/lvsd-config.js';

describe('the ECMP lab directors’ lvsd configs', () => {
  it.each(['mh', 'wrr'] as const)('are valid (%s) and announce the VIP in table 100', (scheduler) => {
    const r = parseConfig(ecmpLvsdConfig(DIRECTORS[1]!, { scheduler }), 'd2.toml');
    if (!r.ok) throw new Error(formatProblems('d2.toml', r.problems));
    expect(r.config.announce).toMatchObject({ table: 100, vips: ['10.9.0.10'] });
    const vs = r.config.virtual_server[0]!;
    expect(vs.ecmp).toBe(scheduler === 'mh');
    expect(vs.real_server.map((x) => x.address)).toEqual(['10.2.0.21', '10.2.0.22', '10.2.0.23', '10.2.0.24']);
  });
});
