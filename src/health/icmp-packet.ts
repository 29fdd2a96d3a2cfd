/**
 * ICMP / ICMPv6 echo codec (pure). Echo request/reply share one layout (RFC 792, RFC 4443):
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Identifier          |        Sequence Number        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Data ...
 *
 * IPv4 echo request 8 / reply 0; ICMPv6 request 128 / reply 129. Error messages (v4 type 3 and 11,
 * v6 type 1 and 3) carry the offending packet after 4 unused bytes, which lets us match them too.
 * The ICMPv6 checksum covers a pseudo-header and is filled in by the kernel, so we leave it zero.
 */

/** Echo request types per family. */
export const ECHO_REQUEST = { 4: 8, 6: 128 } as const;
/** Echo reply types per family. */
export const ECHO_REPLY = { 4: 0, 6: 129 } as const;

/** What a received ICMP packet means for us. */
export type IcmpMessage =
  { kind: 'reply'; id: number; seq: number } | { kind: 'error'; id: number; seq: number; reason: string };

/** The Internet checksum (RFC 1071) of a buffer. */
export function inetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Builds an echo request; for IPv4 with its checksum, for IPv6 with zero (the kernel computes it). */
export function encodeEcho(family: 4 | 6, id: number, seq: number, size: number): Buffer {
  const b = Buffer.alloc(8 + size, 0x5a);
  b[0] = ECHO_REQUEST[family];
  b[1] = 0;
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(seq & 0xffff, 6);
  if (family === 4) b.writeUInt16BE(inetChecksum(b), 2);
  return b;
}

const V4_ERRORS: Record<number, Record<number, string>> = {
  3: {
    0: 'network unreachable',
    1: 'host unreachable',
    2: 'protocol unreachable',
    3: 'port unreachable',
    9: 'network prohibited',
    10: 'host prohibited',
    13: 'administratively prohibited',
  },
  11: { 0: 'TTL exceeded in transit', 1: 'fragment reassembly time exceeded' },
};
const V6_ERRORS: Record<number, Record<number, string>> = {
  1: {
    0: 'no route to destination',
    1: 'administratively prohibited',
    3: 'address unreachable',
    4: 'port unreachable',
    6: 'reject route',
  },
  3: { 0: 'hop limit exceeded', 1: 'fragment reassembly time exceeded' },
};

function stripIpv4(b: Buffer): Buffer | undefined {
  if (b.length < 20 || b[0] >> 4 !== 4) return undefined;
  const ihl = (b[0] & 0x0f) * 4;
  return b.length >= ihl ? b.subarray(ihl) : undefined;
}

/**
 * Parses one received packet. `withIpHeader` is true for IPv4 raw sockets (which deliver the IP
 * header). Returns undefined for anything that is not an echo reply or an error about an echo request.
 */
export function parseIcmp(family: 4 | 6, data: Buffer, withIpHeader: boolean): IcmpMessage | undefined {
  const icmp = family === 4 && withIpHeader ? stripIpv4(data) : data;
  if (!icmp || icmp.length < 8) return undefined;
  const type = icmp[0];
  if (type === ECHO_REPLY[family]) return { kind: 'reply', id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6) };
  const names = (family === 4 ? V4_ERRORS : V6_ERRORS)[type];
  if (!names) return undefined;
  const inner = family === 4 ? stripIpv4(icmp.subarray(8)) : icmp.length >= 48 + 8 ? icmp.subarray(48) : undefined;
  if (!inner || inner.length < 8 || inner[0] !== ECHO_REQUEST[family]) return undefined;
  const reason = names[icmp[1]] ?? `ICMP${family === 6 ? 'v6' : ''} type ${type} code ${icmp[1]}`;
  return { kind: 'error', id: inner.readUInt16BE(4), seq: inner.readUInt16BE(6), reason };
}
