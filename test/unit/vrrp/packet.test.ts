import { describe, expect, it } from 'vitest';
import { decodeAdvert, encodeAdvert, type Expectation } from '../../../src/vrrp/packet.js';
import { encodeIpv4, parseIpv4 } from '../../../src/vrrp/ip.js';
import { encodeGarp, encodeUnsolicitedNa } from '../../../src/vrrp/frames.js';
import { ipText } from '../../../native/ip.js';
import { inetChecksum, pseudoV6 } from '../../../src/vrrp/checksum.js';
import { ethertype, goldenFrames } from './golden.js';

const CAPTURES = ['g_v2', 'g_v2u', 'g_v3', 'g_v3f', 'g_v3u'];
const hex = (b: Buffer) => b.toString('hex');

function expectationFor(version: 2 | 3, dst: string): Expectation {
  return { family: 4, version, vrid: 51, multicast: dst === '224.0.0.18', intervalCs: undefined };
}

describe('golden keepalived 2.2.7 adverts', () => {
  for (const name of CAPTURES) {
    const frames = goldenFrames(name);
    const vrrp = frames.filter((f) => ethertype(f) === 0x0800);
    it(`${name}: decodes all ${vrrp.length} adverts and re-encodes them byte for byte (IPv4 header included)`, () => {
      expect(vrrp.length).toBeGreaterThan(3);
      for (const f of vrrp) {
        const ip = parseIpv4(f.bytes.subarray(14));
        if (!ip.ok) throw new Error(ip.detail);
        const version = name.startsWith('g_v2') ? 2 : 3;
        const r = decodeAdvert(ip.payload, ip, expectationFor(version, ip.dst));
        if (!r.ok) throw new Error(`${name}: rejected ${r.reason}`);
        expect(r.advert.vrid).toBe(51);
        expect(r.advert.addresses).toEqual(['10.99.0.50']);
        const id = f.bytes.readUInt16BE(18);
        const again = encodeIpv4({ src: ip.src, dst: ip.dst, id }, encodeAdvert(r.advert, ip.src, ip.dst));
        expect(hex(again)).toBe(hex(f.bytes.subarray(14)));
      }
    });
    it(`${name}: gratuitous ARPs are byte-identical to encodeGarp`, () => {
      const arps = frames.filter(
        (f) => ethertype(f) === 0x0806 && f.bytes[21] === 1 && f.bytes.readUInt32BE(28) === f.bytes.readUInt32BE(38),
      );
      expect(arps.length).toBeGreaterThanOrEqual(5);
      for (const f of arps) {
        const mac = [...f.bytes.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
        expect(hex(encodeGarp(mac, ipText(f.bytes.subarray(28, 32))))).toBe(hex(f.bytes));
      }
    });
  }

  it('g_v2: priorities and intervals are those keepalived sent (150, 0 on SIGTERM, 100 for lb2)', () => {
    const prios = goldenFrames('g_v2')
      .filter((f) => ethertype(f) === 0x0800)
      .map((f) => f.bytes[36]);
    expect(prios).toEqual([150, 150, 150, 150, 0, 100, 100, 0]);
  });
});

describe('reference vectors (vrrp.md)', () => {
  const a = { vrid: 51, priority: 100, intervalCs: 100, addresses: ['192.168.1.100'] };
  it('v2 message and IPv4 header', () => {
    const msg = encodeAdvert({ ...a, version: 2 }, '192.168.1.10', '224.0.0.18');
    expect(hex(msg)).toBe('2133640100' + '01b8bd' + 'c0a80164' + '00'.repeat(8));
    const pkt = encodeIpv4({ src: '192.168.1.10', dst: '224.0.0.18', id: 1 }, msg);
    expect(hex(pkt.subarray(0, 20))).toBe('45c0002800010000ff7018e0c0a8010ae0000012');
  });
  it('v3/IPv4 uses the pseudo-header checksum (0x0619), and message-only (0xa85a) is accepted too', () => {
    const msg = encodeAdvert({ ...a, version: 3 }, '192.168.1.10', '224.0.0.18');
    expect(hex(msg)).toBe('313364010064' + '0619' + 'c0a80164');
    const alt = Buffer.from(msg);
    alt.writeUInt16BE(0xa85a, 6);
    const meta = { src: '192.168.1.10', dst: '224.0.0.18', ttl: 255 };
    const exp: Expectation = { family: 4, version: 3, vrid: 51, multicast: true };
    expect(decodeAdvert(alt, meta, exp).ok).toBe(true);
    alt.writeUInt16BE(0xa85b, 6);
    expect(decodeAdvert(alt, meta, exp)).toMatchObject({ ok: false, reason: 'checksum' });
  });
});

describe('IPv6 and PASS', () => {
  const meta6 = { src: 'fe80::1', dst: 'ff02::12', ttl: 255 };
  const exp6: Expectation = { family: 6, version: 3, vrid: 7, multicast: true };
  it('v3/IPv6 round-trips with the IPv6 pseudo-header checksum', () => {
    const ad = { version: 3 as const, vrid: 7, priority: 200, intervalCs: 5, addresses: ['2001:db8::50', 'fe80::50'] };
    const msg = encodeAdvert(ad, meta6.src, meta6.dst);
    expect(msg.length).toBe(8 + 32);
    expect(decodeAdvert(msg, meta6, exp6)).toEqual({ ok: true, advert: ad });
    expect(decodeAdvert(msg, { ...meta6, src: 'fe80::2' }, exp6)).toMatchObject({ ok: false, reason: 'checksum' });
  });
  it('v2 PASS: right password accepted, wrong rejected as auth, missing as auth-type', () => {
    const ad = {
      version: 2 as const,
      vrid: 51,
      priority: 100,
      intervalCs: 100,
      addresses: ['10.0.0.5'],
      password: 's3cret',
    };
    const msg = encodeAdvert(ad, '10.0.0.1', '224.0.0.18');
    const meta = { src: '10.0.0.1', dst: '224.0.0.18', ttl: 255 };
    const exp: Expectation = { family: 4, version: 2, vrid: 51, multicast: true, password: 's3cret', intervalCs: 100 };
    expect(decodeAdvert(msg, meta, exp)).toEqual({ ok: true, advert: ad });
    expect(decodeAdvert(msg, meta, { ...exp, password: 'other' })).toMatchObject({ reason: 'auth' });
    expect(decodeAdvert(msg, meta, { ...exp, password: undefined })).toMatchObject({ reason: 'auth-type' });
    expect(decodeAdvert(msg, meta, { ...exp, intervalCs: 200 })).toMatchObject({ reason: 'interval' });
  });
  it('unsolicited NA frame: addresses, hop limit 255, Override flag, valid ICMPv6 checksum', () => {
    const f = encodeUnsolicitedNa('02:00:00:00:00:01', '2001:db8::50');
    expect(hex(f.subarray(0, 14))).toBe('333300000001020000000001' + '86dd');
    expect(f[14 + 7]).toBe(255);
    expect(f[54]).toBe(136);
    expect(f[58]).toBe(0x20);
    expect(ipText(f.subarray(62, 78))).toBe('2001:db8::50');
    expect(hex(f.subarray(78, 86))).toBe('0201020000000001');
    expect(inetChecksum(pseudoV6(f.subarray(22, 38), f.subarray(38, 54), 58, 32), f.subarray(54))).toBe(0);
  });
});
