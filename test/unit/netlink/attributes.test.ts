import { describe, expect, it } from 'vitest';
import {
  attr,
  attrBe16,
  attrNested,
  attrStr,
  attrU16,
  attrU32,
  attrU64,
  attrU8,
  parseAttrList,
  parseAttrs,
  readBe16,
  readStr,
  readU16,
  readU32,
  readU64,
  readU8,
} from '../../../src/netlink/attributes.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';

const hex = (b: Buffer): string => b.toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('attribute encoders: golden bytes', () => {
  it('u8 is padded to 4 with zeros and nla_len 5', () => {
    expect(hex(attrU8(13, 2))).toBe('05000d00' + '02000000');
  });
  it('u16 host order', () => {
    expect(hex(attrU16(1, 2))).toBe('06000100' + '02000000');
  });
  it('be16 is network order (port 8080 = 1f90)', () => {
    expect(hex(attrBe16(2, 8080))).toBe('06000200' + '1f900000');
  });
  it('u32 host order, and wraps negative input to unsigned', () => {
    expect(hex(attrU32(4, 3))).toBe('08000400' + '03000000');
    expect(hex(attrU32(4, -1))).toBe('08000400' + 'ffffffff');
  });
  it('u64 host order', () => {
    expect(hex(attrU64(4, 0x0102030405060708n))).toBe('0c000400' + '0807060504030201');
  });
  it('string is NUL-terminated and padded', () => {
    expect(hex(attrStr(2, 'IPVS'))).toBe('09000200' + '49505653' + '00000000');
    expect(hex(attrStr(6, 'wrr'))).toBe('08000600' + '77727200');
    expect(hex(attrStr(6, ''))).toBe('05000600' + '00000000');
  });
  it('binary payload keeps its length in nla_len and pads', () => {
    expect(hex(attr(3, bytes('0a000001 00')))).toBe('09000300' + '0a000001' + '00000000');
    expect(hex(attr(7, Buffer.alloc(0)))).toBe('04000700');
  });
  it('nested wraps children, optionally with NLA_F_NESTED', () => {
    const kids = [attrU16(1, 2), attrBe16(4, 80)];
    expect(hex(attrNested(1, kids))).toBe('14000100' + '0600010002000000' + '0600040000500000');
    expect(hex(attrNested(1, kids, true)).slice(0, 8)).toBe('14000180');
  });
  it('refuses a payload that does not fit nla_len', () => {
    expect(() => attr(1, Buffer.alloc(0xfffc))).toThrow(RangeError);
  });
});

describe('parseAttrs', () => {
  it('maps types, masks flags, and later duplicates win', () => {
    const buf = Buffer.concat([attrU32(1, 5), attrNested(2, [attrU8(1, 9)], true), attrU32(1, 6)]);
    const m = parseAttrs(buf);
    expect([...m.keys()]).toEqual([1, 2]);
    expect(readU32(m.get(1)!)).toBe(6);
    expect(readU8(parseAttrs(m.get(2)!).get(1)!)).toBe(9);
  });
  it('accepts a last attribute without trailing padding', () => {
    const m = parseAttrs(bytes('05000100 07'));
    expect(readU8(m.get(1)!)).toBe(7);
  });
  it('parseAttrList keeps order, duplicates and the flag bits', () => {
    const l = parseAttrList(Buffer.concat([attrU8(3, 1), attr(3 | 0x4000, Buffer.from([2])), attrNested(5, [], true)]));
    expect(l.map((a) => [a.type, a.nested, a.netByteOrder, hex(a.payload)])).toEqual([
      [3, false, false, '01'],
      [3, false, true, '02'],
      [5, true, false, ''],
    ]);
  });
  it.each([
    ['header cut short', '0500', 0],
    ['length below header', '02000100', 0],
    ['length past the end', '08000100 0102', 0],
    ['second attribute past the end', '05000100 07000000 0c000200 00', 8],
  ])('throws NetlinkDecodeError with the offset: %s', (_what, h, offset) => {
    for (const parse of [parseAttrs, parseAttrList]) {
      let err: unknown;
      try {
        parse(bytes(h));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NetlinkDecodeError);
      expect((err as NetlinkDecodeError).code).toBe('EBADMSG');
      expect((err as NetlinkDecodeError).offset).toBe(offset);
    }
  });
});

describe('readers', () => {
  it('read what the encoders wrote', () => {
    const p = (b: Buffer): Buffer => parseAttrs(b).values().next().value!;
    expect(readU8(p(attrU8(1, 200)))).toBe(200);
    expect(readU16(p(attrU16(1, 65535)))).toBe(65535);
    expect(readBe16(p(attrBe16(1, 443)))).toBe(443);
    expect(readU32(p(attrU32(1, 0xdeadbeef)))).toBe(0xdeadbeef);
    expect(readU64(p(attrU64(1, 2n ** 64n - 1n)))).toBe(2n ** 64n - 1n);
    expect(readStr(p(attrStr(1, 'lo:vip')))).toBe('lo:vip');
  });
  it('readStr stops at the first NUL and tolerates a missing one', () => {
    expect(readStr(Buffer.from('ab\0cd'))).toBe('ab');
    expect(readStr(Buffer.from('abc'))).toBe('abc');
  });
  it.each([
    ['u8', () => readU8(Buffer.alloc(0))],
    ['u16', () => readU16(Buffer.alloc(1))],
    ['be16', () => readBe16(Buffer.alloc(1))],
    ['u32', () => readU32(Buffer.alloc(3))],
    ['u64', () => readU64(Buffer.alloc(7))],
    ['string', () => readStr(Buffer.alloc(0))],
  ])('%s on a short buffer throws NetlinkDecodeError naming the size', (kind, f) => {
    expect(f).toThrow(NetlinkDecodeError);
    expect(f).toThrow(new RegExp(`^${kind} attribute needs \\d+ bytes`));
  });
});
