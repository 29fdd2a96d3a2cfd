/**
 * native/ip.ts: the dotted-quad fast paths agree with ipaddr.js (the readable reference) on every
 * input, IPv6 goes through ipaddr.js, and anything Node's isIP refuses is refused.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { canonicalIp, ipBytes, ipText } from '../../../native/ip.js';

const quad = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));

describe('IPv4 fast paths = ipaddr.js', () => {
  it('canonicalIp, ipBytes and ipText of any dotted quad', () => {
    fc.assert(
      fc.property(quad, (q) => {
        const text = q.join('.');
        expect(canonicalIp(text)).toBe(ipaddr.parse(text).toString());
        expect([...ipBytes(text)]).toEqual(ipaddr.parse(text).toByteArray());
        expect(ipText(Uint8Array.from(q))).toBe(ipaddr.fromByteArray(q).toString());
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('canonicalIp', () => {
  it('canonicalises IPv6 like ipaddr.js', () => {
    for (const a of ['2001:DB8:0:0:0:0:0:1', '::1', 'fe80::1:0:0:1', '::ffff:10.0.0.1', '2001:db8::'])
      expect(canonicalIp(a)).toBe(ipaddr.parse(a).toString());
  });

  it('refuses what is not an address, including forms ipaddr.js would read as octal, hex or short', () => {
    for (const v of [
      '010.1.1.1',
      '0x0a.0.0.1',
      '1.2.3',
      '10.1',
      '256.1.1.1',
      '1.2.3.4 ',
      'web',
      '',
      80,
      undefined,
      null,
    ])
      expect(canonicalIp(v)).toBeUndefined();
  });
});

describe('ipBytes / ipText', () => {
  it('refuse what is not an address or not 4/16 bytes', () => {
    expect(() => ipBytes('10.1')).toThrow(TypeError);
    expect(() => ipText(Buffer.alloc(5))).toThrow('address of 5 bytes');
  });

  it('ignore a %zone suffix on the way in', () => {
    expect(ipText(ipBytes('fe80::1%eth0'))).toBe('fe80::1');
  });
});
