/**
 * ipvsadm's listing order: sortTable's destination sort (each address split once, for 10,000s of
 * destinations) gives the order of compareDests (libipvs's ipvs_cmp_dests, the readable reference).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDests, sortTable } from '../../../src/ipvs/format.js';
import type { Destination } from '../../../src/ipvs/types.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(3), fc.nat(3)).map((q) => q.join('.'));
const v6 = fc.tuple(fc.nat(3), fc.nat(0xffff)).map(([a, b]) => `2001:db8:${a}::${b.toString(16)}`);
const dest: fc.Arbitrary<Destination> = fc.tuple(fc.oneof(v4, v6), fc.nat(3)).map(([address, port]) => ({
  af: address.includes(':') ? 'inet6' : 'inet',
  address,
  port,
  forwarding: 'nat',
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
}));

describe('sortTable orders destinations as compareDests', () => {
  it('for any list of IPv4 and IPv6 destinations', () => {
    fc.assert(
      fc.property(fc.array(dest, { maxLength: 40 }), (ds) => {
        const service = {
          id: { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
          scheduler: 'wlc',
          flags: 0,
          timeout: 0,
          netmask: 0xffffffff,
          destinations: ds,
        } as const;
        const sorted = sortTable({ services: [{ ...service, destinations: ds }] })[0]!.destinations;
        expect(sorted.map((d) => `${d.address}|${d.port}`)).toEqual(
          [...ds].sort(compareDests).map((d) => `${d.address}|${d.port}`),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
