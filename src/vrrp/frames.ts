/**
 * Link-layer announcements of a VIP after takeover, pure: gratuitous ARP (byte-identical to
 * keepalived's: an ARP *request* for the VIP from the VIP, broadcast) and the IPv6 unsolicited
 * neighbour advertisement (RFC 4861 §7.2.6) to all-nodes. Both are full Ethernet frames for an
 * AF_PACKET SOCK_RAW socket.
 */
import { ipBytes } from '../../native/ip.js';
import { inetChecksum, pseudoV6 } from './checksum.js';

const BROADCAST = Buffer.alloc(6, 0xff);
/** Ethernet multicast address of ff02::1 (all nodes). */
const ALL_NODES_MAC = Buffer.from([0x33, 0x33, 0, 0, 0, 1]);
const ALL_NODES = 'ff02::1';

/** "02:00:00:00:00:01" → 6 bytes; throws TypeError on anything else. */
export function macBytes(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new TypeError(`not a MAC address: ${mac}`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/**
 *   eth: dst ff:ff:ff:ff:ff:ff | src mac | 0x0806
 *   arp: htype 1 | ptype 0x0800 | hlen 6 | plen 4 | op 1 (request)
 *        SHA mac | SPA vip | THA ff:ff:ff:ff:ff:ff | TPA vip        (42 bytes, no padding)
 */
export function encodeGarp(mac: string, vip: string): Buffer {
  const m = macBytes(mac);
  const ip = ipBytes(vip);
  const arp = Buffer.from([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
  return Buffer.concat([BROADCAST, m, Buffer.from([0x08, 0x06]), arp, m, ip, BROADCAST, ip]);
}

/**
 * Unsolicited NA: eth 33:33:00:00:00:01 ← mac, IPv6 src=VIP dst=ff02::1 hop limit 255, ICMPv6 136
 * with Override (and Router if `router`), target = VIP, option 2 (target link-layer address) = mac.
 */
export function encodeUnsolicitedNa(mac: string, vip: string, router = false): Buffer {
  const m = macBytes(mac);
  const src = ipBytes(vip);
  const dst = ipBytes(ALL_NODES);
  const icmp = Buffer.alloc(32);
  icmp[0] = 136;
  icmp[4] = 0x20 | (router ? 0x80 : 0);
  src.copy(icmp, 8);
  icmp[24] = 2;
  icmp[25] = 1;
  m.copy(icmp, 26);
  icmp.writeUInt16BE(inetChecksum(pseudoV6(src, dst, 58, icmp.length), icmp), 2);
  const ip6 = Buffer.alloc(40);
  ip6[0] = 0x60;
  ip6.writeUInt16BE(icmp.length, 4);
  ip6[6] = 58;
  ip6[7] = 255;
  src.copy(ip6, 8);
  dst.copy(ip6, 24);
  return Buffer.concat([ALL_NODES_MAC, m, Buffer.from([0x86, 0xdd]), ip6, icmp]);
}
