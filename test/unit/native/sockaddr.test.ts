import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ETH_P_ARP, htons } from '../../../native/constants.js';
import { ipBytes, ipText } from '../../../native/ip.js';
import { parseSockaddr, sockaddrIn, sockaddrIn6, sockaddrLl, sockaddrNl } from '../../../native/sockaddr.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('sockaddr builders: kernel layout', () => {
  it('sockaddr_in', () => {
    expect(hex(sockaddrIn('10.0.0.1', 8080))).toBe('0200' + '1f90' + '0a000001' + '0000000000000000');
  });
  it('sockaddr_in6 with scope', () => {
    expect(hex(sockaddrIn6('fe80::1', 443, 3))).toBe(
      '0a00' + '01bb' + '00000000' + 'fe800000000000000000000000000001' + '03000000',
    );
  });
  it('sockaddr_nl', () => {
    expect(hex(sockaddrNl(0x1234, 0x11))).toBe('1000' + '0000' + '34120000' + '11000000');
  });
  it('sockaddr_ll (protocol in network order, MAC and its length)', () => {
    const mac = Buffer.from('020000000001', 'hex');
    expect(hex(sockaddrLl({ protocol: ETH_P_ARP, ifindex: 5, hatype: 1, pkttype: 1, addr: mac }))).toBe(
      '1100' + '0806' + '05000000' + '0100' + '01' + '06' + '0200000000010000',
    );
    expect(() => sockaddrLl({ protocol: 1, ifindex: 1, addr: Buffer.alloc(9) })).toThrow(/9 bytes/);
  });
  it('htons swaps bytes', () => {
    expect(htons(ETH_P_ARP)).toBe(0x0608);
  });
  it('rejects text that is not an address of the right family', () => {
    expect(() => sockaddrIn('::1', 1)).toThrow(TypeError);
    expect(() => sockaddrIn6('10.0.0.1', 1)).toThrow(TypeError);
    expect(() => ipBytes('10.0.0.256')).toThrow(/not an IP address/);
  });
});

describe('parseSockaddr', () => {
  it('parses what the builders make', () => {
    expect(parseSockaddr(sockaddrIn('192.0.2.1', 53))).toEqual({ family: 2, address: '192.0.2.1', port: 53 });
    expect(parseSockaddr(sockaddrIn6('2001:db8::5', 80, 2))).toEqual({
      family: 10,
      address: '2001:db8::5',
      port: 80,
      scopeId: 2,
    });
    expect(parseSockaddr(sockaddrNl(7, 1))).toEqual({ family: 16, pid: 7, groups: 1 });
    const ll = parseSockaddr(sockaddrLl({ protocol: 0x86dd, ifindex: 2, addr: Buffer.from('aabbccddeeff', 'hex') }));
    expect({ ...ll, mac: hex(ll.mac!) }).toEqual({
      family: 17,
      protocol: 0x86dd,
      ifindex: 2,
      hatype: 0,
      pkttype: 0,
      mac: 'aabbccddeeff',
    });
  });
  it('never throws on short or unknown input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (a) => void parseSockaddr(Buffer.from(a))));
    expect(parseSockaddr(Buffer.alloc(1))).toEqual({ family: 0 });
    expect(parseSockaddr(Buffer.from([2, 0, 0]))).toEqual({ family: 2 });
  });
});

describe('IPv6 text', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s → %s', (input, want) => {
    expect(ipText(ipBytes(input))).toBe(want);
  });
  it('ipText(bytes) parses back to the same bytes for any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        const text = ipText(Buffer.from(a));
        expect(isIPv6(text)).toBe(true);
        expect(hex(ipBytes(text))).toBe(hex(Buffer.from(a)));
      }),
    );
  });
});
