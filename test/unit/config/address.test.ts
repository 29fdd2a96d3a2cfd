/** The config's fast address canonicalisation agrees with the IPVS layer's (ipaddr.js) on every input. */
import { describe, expect, it } from 'vitest';
import { canonicalIp, familyOfCanonical } from '../../../src/config/address.js';
import { canonicalAddress, familyOf } from '../../../src/ipvs/types.js';

describe('canonicalIp', () => {
  it('returns the same text as canonicalAddress for 20,000 random IPv4 addresses', () => {
    let seed = 7;
    const byte = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    for (let i = 0; i < 20_000; i++) {
      const a = `${byte()}.${byte()}.${byte()}.${byte()}`;
      expect(canonicalIp(a)).toBe(canonicalAddress(a));
    }
  });

  it('canonicalises IPv6 like canonicalAddress', () => {
    for (const a of ['2001:DB8:0:0:0:0:0:1', '::1', 'fe80::1:0:0:1', '::ffff:10.0.0.1', '2001:db8::']) {
      expect(canonicalIp(a)).toBe(canonicalAddress(a));
      expect(familyOfCanonical(canonicalIp(a)!)).toBe(familyOf(a));
    }
  });

  it('rejects what is not an address, including forms ipaddr.js would read as octal or hex', () => {
    for (const v of ['010.1.1.1', '0x0a.0.0.1', '1.2.3', '256.1.1.1', '1.2.3.4 ', 'web', '', 80, undefined, null])
      expect(canonicalIp(v)).toBeUndefined();
  });

  it('names the family of canonical text', () => {
    expect(familyOfCanonical('10.0.0.1')).toBe('inet');
    expect(familyOfCanonical('2001:db8::1')).toBe('inet6');
  });
});
