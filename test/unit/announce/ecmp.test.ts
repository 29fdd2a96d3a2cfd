import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  destFingerprint,
  ecmpConfigIssues,
  ecmpDestOrder,
  ecmpSysctlIssues,
  type EcmpServiceShape,
} from '../../../src/announce/ecmp.js';

const good: EcmpServiceShape = {
  scheduler: 'mh',
  scheduler_flags: ['mh-port'],
  forwarding: 'dr',
  on_failure: 'weight0',
  slow_start: 0,
  protocol: 'tcp',
  real_server: [{ forwarding: 'dr' }],
};

describe('ecmp mode checks', () => {
  it('accepts mh + mh-port, dr or tun, weight0, no slow start', () => {
    expect(ecmpConfigIssues(good)).toEqual([]);
    expect(ecmpConfigIssues({ ...good, forwarding: 'tun', real_server: [{ forwarding: 'tun' }] })).toEqual([]);
  });
  it('names every setting that breaks flow survival', () => {
    expect(
      ecmpConfigIssues({
        ...good,
        scheduler: 'wrr',
        on_failure: 'remove',
        slow_start: 30_000,
        real_server: [{ forwarding: 'nat' }],
      }),
    ).toEqual([
      'scheduler must be "mh" (Maglev hashing, the same choice on every director), not "wrr"',
      'forwarding must be "dr" or "tun" (with nat the answers must return through the same director)',
      'on_failure must be "weight0" (a removed and re-added server changes the destination order)',
      'slow_start must be unset (each director would ramp on its own clock, so the tables would differ)',
    ]);
    expect(ecmpConfigIssues({ ...good, scheduler_flags: [] })).toEqual([
      'scheduler_flags must include "mh-port" (otherwise mh hashes the source address only)',
    ]);
  });
  it('warns about sloppy_tcp / sloppy_sctp that are off or unreadable', () => {
    const sys: Record<string, string> = { 'net.ipv4.vs.sloppy_tcp': '1\n', 'net.ipv4.vs.sloppy_sctp': '0\n' };
    expect(ecmpSysctlIssues(['tcp', 'udp'], (n) => sys[n])).toEqual([]);
    expect(ecmpSysctlIssues(['tcp', 'sctp', 'tcp'], (n) => sys[n])).toEqual([
      'net.ipv4.vs.sloppy_sctp is 0: a director that takes over a flow mid-way drops its packets; set it to 1',
    ]);
    expect(ecmpSysctlIssues(['tcp'], () => undefined)).toEqual([
      'net.ipv4.vs.sloppy_tcp cannot be read: a director that takes over a flow mid-way drops its packets; set it to 1',
    ]);
  });
});

describe('destination order and fingerprint', () => {
  const dests = [
    { address: '10.0.0.10', port: 80, weight: 1 },
    { address: '10.0.0.9', port: 8080, weight: 1 },
    { address: '2001:db8::1', port: 80, weight: 2 },
    { address: '10.0.0.9', port: 80, weight: 1 },
  ];
  it('orders by family, address bytes (not text), port', () => {
    expect(ecmpDestOrder(dests).map((d) => `${d.address}:${d.port}`)).toEqual([
      '10.0.0.9:80',
      '10.0.0.9:8080',
      '10.0.0.10:80',
      '2001:db8::1:80',
    ]);
  });
  it('the order is the same from any starting permutation', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(dests, { minLength: dests.length }), (perm) => {
        expect(ecmpDestOrder(perm)).toEqual(ecmpDestOrder(dests));
      }),
    );
  });
  it('the fingerprint changes with order, membership and weight, and only with them', () => {
    const base = destFingerprint(ecmpDestOrder(dests));
    expect(base).toMatch(/^[0-9a-f]{8}$/);
    expect(destFingerprint(ecmpDestOrder([...dests].reverse()))).toBe(base);
    expect(destFingerprint(dests)).not.toBe(base);
    expect(destFingerprint(ecmpDestOrder(dests.slice(1)))).not.toBe(base);
    const heavier = ecmpDestOrder(dests).map((d, i) => (i === 0 ? { ...d, weight: 5 } : d));
    expect(destFingerprint(heavier)).not.toBe(base);
  });
});
