/**
 * Socket addresses as the kernel lays them out (x86_64), built and parsed as bytes.
 *
 *  sockaddr_in  (16): family u16 | port be16 | addr 4 | zero 8
 *  sockaddr_in6 (28): family u16 | port be16 | flowinfo u32 | addr 16 | scope_id u32
 *  sockaddr_nl  (12): family u16 | pad u16 | pid u32 | groups u32
 *  sockaddr_ll  (20): family u16 | protocol be16 | ifindex i32 | hatype u16 | pkttype u8 | halen u8 | addr 8
 */
import { isIPv4, isIPv6 } from 'node:net';
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET } from './constants.js';
import { ipBytes, ipText } from './ip.js';

/**
 * Zeroed bytes for a socket address, cut from Node's shared buffer pool: a health target keeps one
 * for its whole life, and a buffer of its own would cost an ArrayBuffer and a native backing store
 * (~290 bytes) for 16 or 28 bytes of address.
 */
function addressBytes(size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0);
}

/** struct sockaddr_in for an IPv4 address and port. */
export function sockaddrIn(address: string, port: number): Buffer {
  if (!isIPv4(address)) throw new TypeError(`not an IPv4 address: ${JSON.stringify(address)}`);
  const b = addressBytes(16);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  ipBytes(address).copy(b, 4);
  return b;
}

/** struct sockaddr_in6 for an IPv6 address, port and scope (interface index for link-local). */
export function sockaddrIn6(address: string, port: number, scopeId = 0): Buffer {
  if (!isIPv6(address.split('%')[0])) throw new TypeError(`not an IPv6 address: ${JSON.stringify(address)}`);
  const b = addressBytes(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  ipBytes(address).copy(b, 8);
  b.writeUInt32LE(scopeId, 24);
  return b;
}

/** struct sockaddr_nl lives in its own file so the netlink path can load it alone. */
export { sockaddrNl } from './sockaddr-nl.js';

/** struct sockaddr_ll. `protocol` is the host-order ETH_P_* value; `addr` up to 8 bytes (a MAC). */
export function sockaddrLl(o: {
  protocol: number;
  ifindex: number;
  hatype?: number;
  pkttype?: number;
  addr?: Buffer;
}): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16LE(AF_PACKET, 0);
  b.writeUInt16BE(o.protocol, 2);
  b.writeInt32LE(o.ifindex, 4);
  b.writeUInt16LE(o.hatype ?? 0, 8);
  b.writeUInt8(o.pkttype ?? 0, 10);
  const addr = o.addr ?? Buffer.alloc(0);
  if (addr.length > 8) throw new TypeError(`link-layer address of ${addr.length} bytes (max 8)`);
  b.writeUInt8(addr.length, 11);
  addr.copy(b, 12);
  return b;
}

/** A parsed socket address; which fields are set depends on the family. */
export interface SockAddr {
  family: number;
  address?: string;
  port?: number;
  scopeId?: number;
  pid?: number;
  groups?: number;
  protocol?: number;
  ifindex?: number;
  hatype?: number;
  pkttype?: number;
  mac?: Buffer;
}

/** Parses a sockaddr of any family lvsd uses; an unknown or short one gives just `{ family }`. */
export function parseSockaddr(buf: Buffer): SockAddr {
  if (buf.length < 2) return { family: 0 };
  const family = buf.readUInt16LE(0);
  if (family === AF_INET && buf.length >= 8)
    return { family, port: buf.readUInt16BE(2), address: ipText(buf.subarray(4, 8)) };
  if (family === AF_INET6 && buf.length >= 28) {
    return { family, port: buf.readUInt16BE(2), address: ipText(buf.subarray(8, 24)), scopeId: buf.readUInt32LE(24) };
  }
  if (family === AF_NETLINK && buf.length >= 12)
    return { family, pid: buf.readUInt32LE(4), groups: buf.readUInt32LE(8) };
  if (family === AF_PACKET && buf.length >= 12) return parseLl(buf);
  return { family };
}

function parseLl(buf: Buffer): SockAddr {
  const halen = Math.min(buf.readUInt8(11), 8, Math.max(0, buf.length - 12));
  return {
    family: AF_PACKET,
    protocol: buf.readUInt16BE(2),
    ifindex: buf.readInt32LE(4),
    hatype: buf.readUInt16LE(8),
    pkttype: buf.readUInt8(10),
    mac: Buffer.from(buf.subarray(12, 12 + halen)),
  };
}
