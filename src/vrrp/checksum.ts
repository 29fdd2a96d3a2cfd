/**
 * Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 uses. Pure.
 */

/** One's-complement sum of 16-bit big-endian words over the buffers, folded, not inverted. */
function sum16(bufs: Buffer[]): number {
  let s = 0;
  let odd: number | undefined;
  for (const b of bufs) {
    let i = 0;
    if (odd !== undefined && b.length > 0) {
      s += (odd << 8) | b[0]!;
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
    if (i < b.length) odd = b[i]!;
  }
  if (odd !== undefined) s += odd << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The Internet checksum of the concatenated buffers (as written into a header field). */
export function inetChecksum(...bufs: Buffer[]): number {
  return ~sum16(bufs) & 0xffff;
}

/** IPv4 pseudo-header (src, dst, zero, protocol, length) for transport checksums. */
export function pseudoV4(src: Buffer, dst: Buffer, proto: number, length: number): Buffer {
  const p = Buffer.alloc(12);
  src.copy(p, 0);
  dst.copy(p, 4);
  p[9] = proto;
  p.writeUInt16BE(length, 10);
  return p;
}

/** IPv6 pseudo-header (RFC 8200 §8.1): src, dst, upper-layer length (32), zeros, next header. */
export function pseudoV6(src: Buffer, dst: Buffer, nextHeader: number, length: number): Buffer {
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = nextHeader;
  return p;
}
