import { describe, expect, it } from 'vitest';
import { FAST_BFD, birdDirectorConf, birdRouterConf, frrArgv, frrDirectorConfs } from '../../../src/lab/speakers.js';

const director = {
  routerId: '10.77.0.2',
  as: 65001,
  table: 200,
  neighbors: [{ address: '10.77.0.1', as: 65000 }],
  bfd: FAST_BFD,
};

describe('speaker configs', () => {
  it('BIRD director: learns kernel table N, exports it over BGP with BFD, origin incomplete', () => {
    const c = birdDirectorConf(director);
    expect(c).toContain('kernel table 200; learn;');
    expect(c).toContain('min rx interval 100 ms; min tx interval 100 ms; multiplier 3;');
    expect(c).toMatch(/protocol bgp up1 \{ local as 65001; neighbor 10\.77\.0\.1 as 65000; bfd on;/);
    expect(c).toContain('export filter { bgp_origin = ORIGIN_INCOMPLETE; accept; }');
    expect(birdDirectorConf({ ...director, bfd: undefined })).not.toMatch(/bfd/);
  });
  it('BIRD router: merges paths into kernel ECMP unless told not to', () => {
    const r = { routerId: '10.77.0.1', as: 65000, neighbors: [{ address: '10.77.0.2', as: 65001 }] };
    expect(birdRouterConf(r)).toContain('merge paths on;');
    expect(birdRouterConf({ ...r, mergePaths: false })).not.toContain('merge paths');
  });
  it('FRR director: import-table N, redistribute table N, a BFD profile; refuses tables FRR cannot import', () => {
    const f = frrDirectorConfs(director);
    expect(f.zebra).toContain('ip import-table 200\n');
    expect(f.bgpd).toContain('  redistribute table 200\n');
    expect(f.bgpd).toContain(' neighbor 10.77.0.1 bfd profile lvsd\n');
    expect(f.bfdd).toContain(' profile lvsd\n  receive-interval 100\n');
    expect(() => frrDirectorConfs({ ...director, table: 253 })).toThrow(/1\.\.252, not 253/);
    expect(frrArgv('bgpd', '/x')).toEqual(expect.arrayContaining(['-f', '/x/bgpd.conf', '-p', '179']));
  });
});
