import { describe, expect, it } from 'vitest';
import { attr, attrBe16, attrNested, attrU16, attrU32, parseAttrs, readStr } from '../../../src/netlink/attributes.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import { genlPayload } from '../../../src/netlink/genl.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  decodeError,
  decodeMsgs,
  encodeMsg,
  type NlMsg,
} from '../../../src/netlink/message.js';
import * as cap from './captured.js';

const hex = (b: Buffer): string => b.toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/[\s|]+/g, ''), 'hex');
const v4 = (a: string): Buffer => Buffer.concat([Buffer.from(a.split('.').map(Number)), Buffer.alloc(12)]);

describe('encodeMsg: golden bytes', () => {
  it('header fields in host order, payload padded to 4', () => {
    const m = encodeMsg({
      type: 0x10,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 7,
      pid: 0,
      payload: Buffer.from([1, 2, 3, 4, 5]),
    });
    expect(hex(m)).toBe('15000000' + '1000' + '0500' + '07000000' + '00000000' + '0102030405' + '000000');
  });

  it('reproduces the 140-byte IPVS_CMD_NEW_DEST worked example of ipvs-netlink.md', () => {
    const FAMILY = 0x23; // dynamic id; the example writes FAMI
    const svc = attrNested(1, [attrU16(1, 2), attrU16(2, 6), attr(3, v4('10.0.0.1')), attrBe16(4, 80)]);
    const dest = attrNested(2, [
      attrU16(11, 2),
      attr(1, v4('10.0.0.2')),
      attrBe16(2, 8080),
      attrU32(3, 0),
      attrU32(4, 3),
      attrU32(5, 0),
      attrU32(6, 0),
    ]);
    const m = encodeMsg({
      type: FAMILY,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 1,
      pid: 0,
      payload: genlPayload(5, 1, [svc, dest]),
    });
    const expected =
      '8c000000 2300 0500 01000000 00000000 | 05 01 0000 |' +
      '3000 0100 0600 0100 0200 0000 0600 0200 0600 0000 1400 0300 0a000001 000000000000000000000000 0600 0400 0050 0000 |' +
      '4800 0200 0600 0b00 0200 0000 1400 0100 0a000002 000000000000000000000000 0600 0200 1f90 0000' +
      '0800 0300 00000000 0800 0400 03000000 0800 0500 00000000 0800 0600 00000000';
    expect(m.length).toBe(140);
    expect(hex(m)).toBe(hex(bytes(expected)));
  });
});

describe('decodeMsgs', () => {
  it('decodes a real CTRL_CMD_NEWFAMILY reply', () => {
    const [m, ...rest] = decodeMsgs(bytes(cap.GETFAMILY_NLCTRL_REPLY));
    expect(rest).toEqual([]);
    expect({ type: m.type, flags: m.flags, seq: m.seq, pid: m.pid, len: m.payload.length }).toEqual({
      type: 0x10,
      flags: 0,
      seq: 7,
      pid: 0x219f,
      len: 0x88 - 16,
    });
    expect(readStr(parseAttrs(m.payload.subarray(4)).get(2)!)).toBe('nlctrl');
  });

  it('splits a multipart dump datagram: parts flagged MULTI, then DONE', () => {
    const part = (seq: number, n: number): NlMsg => ({
      type: 0x20,
      flags: NLM_F_MULTI,
      seq,
      pid: 42,
      payload: Buffer.from([n, 0, 0]),
    });
    const done: NlMsg = { type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 3, pid: 42, payload: Buffer.alloc(4) };
    const dgram = Buffer.concat([encodeMsg(part(3, 1)), encodeMsg(part(3, 2)), encodeMsg(done)]);
    expect(hex(dgram.subarray(0, 20))).toBe('13000000' + '2000' + '0200' + '03000000' + '2a000000' + '010000' + '00');
    const got = decodeMsgs(dgram);
    expect(got.map((m) => [m.type, m.flags, m.seq, hex(m.payload)])).toEqual([
      [0x20, NLM_F_MULTI, 3, '010000'],
      [0x20, NLM_F_MULTI, 3, '020000'],
      [NLMSG_DONE, NLM_F_MULTI, 3, '00000000'],
    ]);
  });

  it('accepts an empty datagram and a last message without padding', () => {
    expect(decodeMsgs(Buffer.alloc(0))).toEqual([]);
    expect(decodeMsgs(bytes('11000000 0300 0000 01000000 00000000 09')).map((m) => hex(m.payload))).toEqual(['09']);
  });

  it.each([
    ['a header cut short', '10000000 0300', 0],
    ['a length below 16', '0c000000 0300 0000 00000000', 0],
    ['a length past the end', '20000000 0300 0000 01000000 00000000', 0],
    ['trailing bytes after a message', '10000000 0300 0000 01000000 00000000 ffff', 16],
  ])('throws NetlinkDecodeError for %s', (_what, h, offset) => {
    let err: unknown;
    try {
      decodeMsgs(bytes(h));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    expect((err as NetlinkDecodeError).offset).toBe(offset);
  });
});

describe('decodeError on captured kernel errors', () => {
  const one = (h: string): NlMsg => decodeMsgs(bytes(h))[0];

  it('ACK: errno 0, capped, the request seq', () => {
    const m = one(cap.GETFAMILY_NLCTRL_ACK);
    expect([m.type, m.flags]).toEqual([NLMSG_ERROR, NLM_F_CAPPED]);
    expect(decodeError(m.payload, m.flags)).toEqual({ errno: 0, seq: 7 });
  });

  it('ENOENT for a family the kernel lacks (no extack)', () => {
    const m = one(cap.GETFAMILY_IPVS_ENOENT);
    expect(decodeError(m.payload, m.flags)).toEqual({ errno: 2, seq: 7 });
  });

  it('ENODEV with an extended-ack message after the full echoed request', () => {
    const m = one(cap.NEWADDR_ENODEV_EXTACK);
    expect(m.flags).toBe(NLM_F_CAPPED * 0 + NLM_F_ACK_TLVS);
    expect(decodeError(m.payload, m.flags)).toEqual({ errno: 19, seq: 9, extack: { msg: 'ipv4: Device not found' } });
  });

  it('EINVAL with an extended-ack message', () => {
    const m = one(cap.NEWADDR_EINVAL_EXTACK);
    expect(decodeError(m.payload, m.flags)).toEqual({
      errno: 22,
      seq: 10,
      extack: { msg: 'ipv4: Invalid prefix length' },
    });
  });

  it('capped error with message and offset TLVs', () => {
    const payload = Buffer.concat([
      bytes('eaffffff' + '20000000 1400 0506 0b000000 00000000'),
      attr(1, Buffer.from('bad weight\0')),
      attrU32(2, 36),
    ]);
    expect(decodeError(payload, NLM_F_CAPPED | NLM_F_ACK_TLVS)).toEqual({
      errno: 22,
      seq: 11,
      extack: { msg: 'bad weight', offset: 36 },
    });
  });

  it('throws NetlinkDecodeError when too short or when the echoed length overruns', () => {
    expect(() => decodeError(Buffer.alloc(19), 0)).toThrow(NetlinkDecodeError);
    const overrun = bytes('eaffffff' + 'ff000000 1400 0506 0b000000 00000000');
    expect(() => decodeError(overrun, NLM_F_ACK_TLVS)).toThrow(NetlinkDecodeError);
  });
});
