/**
 * IPv4 header for VRRP (sent with IP_HDRINCL, exactly like keepalived: TOS 0xC0 "internetwork
 * control", TTL 255, no DF, an ID counting adverts) and parsing of received raw IPv4 packets. Pure.
 *
 *   |Ver=4| IHL=5 |  TOS=0xC0  |        Total length          |
 *   |       Identification     |Flags=0|  Fragment offset=0   |
 *   |   TTL=255   |  Proto=112 |       Header checksum        |
 *   |                  Source address                          |
 *   |                Destination address                       |
 */
import { ipBytes, ipText } from '../../native/ip.js';
import { inetChecksum } from './checksum.js';
import { IPPROTO_VRRP } from './packet.js';

/** Fields of an IPv4 header we produce. */
export interface Ipv4Header {
  src: string;
  dst: string;
  id: number;
  ttl?: number;
  tos?: number;
  protocol?: number;
}

/** Prepends a 20-byte IPv4 header (with its checksum) to the payload. */
export function encodeIpv4(h: Ipv4Header, payload: Buffer): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x45;
  b[1] = h.tos ?? 0xc0;
  b.writeUInt16BE(20 + payload.length, 2);
  b.writeUInt16BE(h.id & 0xffff, 4);
  b[8] = h.ttl ?? 255;
  b[9] = h.protocol ?? IPPROTO_VRRP;
  ipBytes(h.src).copy(b, 12);
  ipBytes(h.dst).copy(b, 16);
  b.writeUInt16BE(inetChecksum(b), 10);
  return Buffer.concat([b, payload]);
}

/** A parsed received IPv4 packet. */
export type Ipv4Parsed =
  | { ok: true; src: string; dst: string; ttl: number; protocol: number; payload: Buffer }
  | { ok: false; reason: 'ip-header'; detail: string };

/**
 * Parses a raw IPv4 packet as a raw socket delivers it (header included). Never throws; the
 * payload is bounded by the header's total length (trailing bytes, e.g. Ethernet padding, dropped).
 */
export function parseIpv4(pkt: Buffer): Ipv4Parsed {
  if (pkt.length < 20 || pkt[0]! >> 4 !== 4) return { ok: false, reason: 'ip-header', detail: 'not IPv4' };
  const ihl = (pkt[0]! & 0x0f) * 4;
  const total = pkt.readUInt16BE(2);
  if (ihl < 20 || total < ihl || total > pkt.length)
    return { ok: false, reason: 'ip-header', detail: `ihl ${ihl}, length ${total}` };
  return {
    ok: true,
    src: ipText(pkt.subarray(12, 16)),
    dst: ipText(pkt.subarray(16, 20)),
    ttl: pkt[8]!,
    protocol: pkt[9]!,
    payload: pkt.subarray(ihl, total),
  };
}
