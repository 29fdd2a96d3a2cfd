/**
 * rtnetlink routes (linux/rtnetlink.h): pure bytes in, bytes out, encoded as `ip route` encodes them.
 *
 *  rtmsg (12): family u8 | dst_len u8 | src_len u8 | tos u8 | table u8 | protocol u8 | scope u8 | type u8
 *              | flags u32                                                       then RTA_* attributes
 *  RTA_MULTIPATH: rtnexthop (8) len u16 | flags u8 | hops u8 | ifindex i32, then its RTA_*, repeated
 *
 * A table above 255 does not fit rtm_table: it is sent as rtm_table = RT_TABLE_UNSPEC plus RTA_TABLE,
 * and the kernel reports every table in RTA_TABLE.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { attr, attrU32, parseAttrs, readU32 } from '../netlink/attributes.js';
import { NetlinkDecodeError, NetlinkError } from '../netlink/errors.js';
import type { NlMsg } from '../netlink/message.js';
import { ipBytes, ipText } from '../../native/ip.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from './codec.js';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_MULTIPATH = 9;
export const RTA_TABLE = 15;

export const RT_TABLE_UNSPEC = 0;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** RTN_* route types by value (index = value). */
export const ROUTE_TYPES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
] as const;

/** The route types lvsd may ask for (the ones that need no gateway and no local address). */
export const REQUESTABLE_TYPES = ['unicast', 'blackhole', 'unreachable', 'prohibit'] as const;

/** A route type lvsd may ask for. */
export type RouteType = (typeof REQUESTABLE_TYPES)[number];

/**
 * A route to add or delete. `table` is 1..2^32-1, `protocol` (rtm_protocol) 1..255: a delete only
 * matches routes of that protocol, which is how lvsd leaves other owners' routes alone. `oif` is the
 * output interface for a unicast route; `type` defaults to unicast.
 */
export interface RouteSpec {
  dst: string;
  dstLen: number;
  table: number;
  protocol: number;
  type?: RouteType;
  oif?: number;
}

/** A route as the kernel reports it. */
export interface RouteInfo {
  family: 'inet' | 'inet6';
  dst: string;
  dstLen: number;
  table: number;
  protocol: number;
  scope: number;
  type: string;
  oif?: number;
  gateway?: string;
  /** Next hops of a multipath (ECMP) route, from RTA_MULTIPATH, in the kernel's order. */
  gateways?: string[];
  priority?: number;
}

/** The "RTM_NEWROUTE 192.0.2.10/32 table 100 proto 201" text naming a route operation in errors. */
export function routeOp(cmd: 'RTM_NEWROUTE' | 'RTM_DELROUTE', r: RouteSpec): string {
  const type = r.type && r.type !== 'unicast' ? `${r.type} ` : '';
  const dev = r.oif !== undefined ? ` dev ${r.oif}` : '';
  return `${cmd} ${type}${r.dst}/${r.dstLen}${dev} table ${r.table} proto ${r.protocol}`;
}

/**
 * The payload of RTM_NEWROUTE/RTM_DELROUTE for `r`, byte for byte what `ip route add|del` sends.
 * Throws NetlinkError 'EINVAL' (op = routeOp) naming the problem: not an IP address, prefix out of
 * range or with host bits set, table or protocol out of range, a bad interface index, an interface
 * on a route type that takes none.
 */
export function routePayload(cmd: 'RTM_NEWROUTE' | 'RTM_DELROUTE', r: RouteSpec): Buffer {
  const op = routeOp(cmd, r);
  const fail = (why: string): never => {
    throw new NetlinkError(22, op, why);
  };
  const v4 = isIPv4(r.dst);
  if (!v4 && !isIPv6(r.dst)) fail(`not an IP address: ${JSON.stringify(r.dst)}`);
  const max = v4 ? 32 : 128;
  if (!Number.isInteger(r.dstLen) || r.dstLen < 0 || r.dstLen > max) fail(`prefix length must be 0..${max}`);
  const dst = ipBytes(r.dst);
  if (!hostBitsClear(dst, r.dstLen)) fail(`${r.dst} has host bits set beyond /${r.dstLen}`);
  if (!Number.isInteger(r.table) || r.table < 1 || r.table > 0xffffffff) fail('table must be 1..4294967295');
  if (!Number.isInteger(r.protocol) || r.protocol < 1 || r.protocol > 255) fail('protocol must be 1..255');
  const type = r.type ?? 'unicast';
  if (!(REQUESTABLE_TYPES as readonly string[]).includes(type)) fail(`unknown route type ${JSON.stringify(type)}`);
  if (r.oif !== undefined) {
    if (!Number.isInteger(r.oif) || r.oif <= 0 || r.oif > 0x7fffffff) fail(`bad interface index ${r.oif}`);
    if (type !== 'unicast') fail(`a ${type} route takes no interface`);
  }
  const add = cmd === 'RTM_NEWROUTE';
  const scope = !add ? RT_SCOPE_NOWHERE : type === 'unicast' && r.oif !== undefined && v4 ? RT_SCOPE_LINK : 0;
  const typeNum = !add && r.type === undefined ? 0 : ROUTE_TYPES.indexOf(type);
  const small = r.table < 256;
  const head = rtmsg(v4 ? AF_INET : AF_INET6, r.dstLen, small ? r.table : RT_TABLE_UNSPEC, r.protocol, scope, typeNum);
  const attrs = [head, attr(RTA_DST, dst)];
  if (!small) attrs.push(attrU32(RTA_TABLE, r.table));
  if (r.oif !== undefined) attrs.push(attrU32(RTA_OIF, r.oif));
  return Buffer.concat(attrs);
}

function hostBitsClear(addr: Buffer, len: number): boolean {
  for (let bit = len; bit < addr.length * 8; bit++) if (addr[bit >> 3] & (0x80 >> (bit & 7))) return false;
  return true;
}

function rtmsg(family: number, dstLen: number, table: number, protocol: number, scope: number, type: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(family, 0);
  b.writeUInt8(dstLen, 1);
  b.writeUInt8(table, 4);
  b.writeUInt8(protocol, 5);
  b.writeUInt8(scope, 6);
  b.writeUInt8(type, 7);
  return b;
}

/** The payload of an RTM_GETROUTE dump for one family (or both with AF_UNSPEC). */
export function getRoutePayload(family: number = AF_UNSPEC): Buffer {
  return rtmsg(family, 0, 0, 0, 0, 0);
}

/** Decodes an RTM_NEWROUTE/RTM_DELROUTE message. Throws NetlinkDecodeError when malformed. */
export function decodeRoute(m: NlMsg): RouteInfo {
  const p = m.payload;
  if (p.length < 12) throw new NetlinkDecodeError(`rtmsg of ${p.length} bytes, need 12`);
  const family = p.readUInt8(0);
  if (family !== AF_INET && family !== AF_INET6)
    throw new NetlinkDecodeError(`route family ${family} is neither inet nor inet6`);
  const width = family === AF_INET ? 4 : 16;
  const dstLen = p.readUInt8(1);
  if (dstLen > width * 8) throw new NetlinkDecodeError(`route prefix length ${dstLen} is too long`);
  const attrs = parseAttrs(p.subarray(12));
  const dst = attrs.get(RTA_DST);
  if (dst && dst.length !== width) throw new NetlinkDecodeError(`RTA_DST of ${dst.length} bytes, need ${width}`);
  const table = attrs.get(RTA_TABLE);
  const typeNum = p.readUInt8(7);
  const out: RouteInfo = {
    family: family === AF_INET ? 'inet' : 'inet6',
    dst: ipText(dst ?? Buffer.alloc(width)),
    dstLen,
    table: table ? readU32(table) : p.readUInt8(4),
    protocol: p.readUInt8(5),
    scope: p.readUInt8(6),
    type: ROUTE_TYPES[typeNum] ?? `type${typeNum}`,
  };
  const oif = attrs.get(RTA_OIF);
  const gw = attrs.get(RTA_GATEWAY);
  const prio = attrs.get(RTA_PRIORITY);
  if (oif) out.oif = readU32(oif);
  if (gw && gw.length === width) out.gateway = ipText(gw);
  if (prio) out.priority = readU32(prio);
  const multi = attrs.get(RTA_MULTIPATH);
  if (multi) out.gateways = nextHops(multi, width);
  return out;
}

function nextHops(b: Buffer, width: number): string[] {
  const out: string[] = [];
  for (let off = 0; off + 8 <= b.length;) {
    const len = b.readUInt16LE(off);
    if (len < 8 || off + len > b.length) throw new NetlinkDecodeError(`rtnexthop of ${len} bytes at ${off}`);
    const gw = parseAttrs(b.subarray(off + 8, off + len)).get(RTA_GATEWAY);
    if (gw && gw.length === width) out.push(ipText(gw));
    off += (len + 3) & ~3;
  }
  return out;
}
