import { describe, expect, it } from 'vitest';
import { parseCmsg6 } from '../../../src/vrrp/net.js';

describe('IPv6 ancillary data', () => {
  function cmsg(level: number, type: number, data: Buffer): Buffer {
    const len = 16 + data.length;
    const b = Buffer.alloc((len + 7) & ~7);
    b.writeBigUInt64LE(BigInt(len), 0);
    b.writeInt32LE(level, 8);
    b.writeInt32LE(type, 12);
    data.copy(b, 16);
    return b;
  }
  it('reads the hop limit and the destination from IPV6_HOPLIMIT / IPV6_PKTINFO', () => {
    const hop = Buffer.alloc(4);
    hop.writeInt32LE(255);
    const info = Buffer.alloc(20);
    Buffer.from('ff020000000000000000000000000012', 'hex').copy(info, 0);
    expect(parseCmsg6(Buffer.concat([cmsg(41, 52, hop), cmsg(41, 50, info)]))).toEqual({
      hopLimit: 255,
      dst: 'ff02::12',
    });
  });
  it('stops at a malformed header instead of throwing', () => {
    const bad = Buffer.alloc(24);
    bad.writeBigUInt64LE(4096n, 0);
    expect(parseCmsg6(bad)).toEqual({});
    expect(parseCmsg6(Buffer.alloc(3))).toEqual({});
  });
});
