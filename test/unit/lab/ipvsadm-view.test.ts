import { describe, expect, it } from 'vitest';
import { parseIpvsadmList, weightOf } from '../../../src/lab/ipvsadm-view.js';

// Real `ipvsadm -Ln` output (ipvsadm 1.31) from a UML guest, with a second service added.
const LISTING = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.99.0.50:80 wrr
  -> 10.99.0.21:80                Route   100    0          12
  -> 10.99.0.22:80                Route   0      1          30
  -> 10.99.0.23:80                Route   33     2          7
TCP  10.99.0.50:8080 rr
  -> 10.99.0.21:8080              Route   100    0          0
UDP  10.99.0.50:53 rr persistent 300
`;

describe('parseIpvsadmList', () => {
  it('reads services, schedulers and every destination with weight and connection counts', () => {
    const v = parseIpvsadmList(LISTING);
    expect(v.map((s) => [s.key, s.scheduler, s.dests.length])).toEqual([
      ['TCP 10.99.0.50:80', 'wrr', 3],
      ['TCP 10.99.0.50:8080', 'rr', 1],
      ['UDP 10.99.0.50:53', 'rr', 0],
    ]);
    expect(v[0].dests[1]).toEqual({ address: '10.99.0.22:80', forward: 'Route', weight: 0, active: 1, inactive: 30 });
  });

  it('answers weights by service and destination, undefined when absent', () => {
    const v = parseIpvsadmList(LISTING);
    expect(weightOf(v, 'TCP 10.99.0.50:80', '10.99.0.23:80')).toBe(33);
    expect(weightOf(v, 'TCP 10.99.0.50:80', '10.99.0.99:80')).toBeUndefined();
    expect(weightOf(v, 'TCP 10.99.0.51:80', '10.99.0.21:80')).toBeUndefined();
  });

  it('gives an empty table for the header alone, and ignores destination lines before any service', () => {
    expect(parseIpvsadmList(LISTING.split('\n').slice(0, 3).join('\n'))).toEqual([]);
    expect(parseIpvsadmList('  -> 10.0.0.1:80 Route 1 0 0\nTCP  10.0.0.9:80 rr\n')).toEqual([
      { key: 'TCP 10.0.0.9:80', scheduler: 'rr', dests: [] },
    ]);
  });
});
