/**
 * rtnetlink addresses and links (linux/rtnetlink.h, if_addr.h, if_link.h): pure bytes in, bytes out.
 *
 *  ifaddrmsg (8):  family u8 | prefixlen u8 | flags u8 | scope u8 | index u32      then IFA_* attributes
 *  ifinfomsg (16): family u8 | pad u8 | type u16 | index i32 | flags u32 | change u32  then IFLA_* attributes
 */
import { isIPv4, isIPv6 } from 'node:net';
import { attr, attrStr, attrU32, parseAttrs, readStr, readU32, readU8 } from '../netlink/attributes.js';
import { NetlinkDecodeError, NetlinkError } from '../netlink/errors.js';
import type { NlMsg } from '../netlink/message.js';
import { ipBytes, ipText } from '../../native/ip.js';
import { ERRNO } from '../../native/errno.js';

/** The rtnetlink protocol number (linux/netlink.h). */
export const NETLINK_ROUTE = 0;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_CACHEINFO = 6;
export const IFA_FLAGS = 8;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_NOPREFIXROUTE = 0x200;

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_OPERSTATE = 16;

export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** IF_OPER_* (RFC 2863) by value. */
export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;

/** An address to add or delete. `label` is IPv4-only (≤ 15 bytes); `nodad` skips IPv6 duplicate detection. */
export interface AddrSpec {
  ifindex: number;
  address: string;
  prefixlen: number;
  label?: string;
  nodad?: boolean;
}

/** An address as the kernel reports it. `flags` is the full IFA_F_* set. */
export interface AddrInfo {
  ifindex: number;
  family: 'inet' | 'inet6';
  address: string;
  prefixlen: number;
  label?: string;
  flags: number;
}

/** A link as the kernel reports it; `mac` is colon-separated hex, '' when the link has none. */
export interface LinkInfo {
  index: number;
  name: string;
  up: boolean;
  running: boolean;
  lowerUp: boolean;
  mac: string;
  operstate?: string;
  mtu?: number;
}

/** The "RTM_NEWADDR 10.0.0.1/24 dev 3" text naming an address operation in errors. */
export function addrOp(cmd: 'RTM_NEWADDR' | 'RTM_DELADDR', a: AddrSpec): string {
  return `${cmd} ${a.address}/${a.prefixlen} dev ${a.ifindex}${a.label ? ` label ${a.label}` : ''}`;
}

/**
 * The payload of RTM_NEWADDR/RTM_DELADDR for `a`. Throws NetlinkError 'EINVAL' (op = addrOp) naming
 * the problem: not an IP address, prefix out of range, bad ifindex, label too long or on IPv6.
 */
export function addrPayload(cmd: 'RTM_NEWADDR' | 'RTM_DELADDR', a: AddrSpec): Buffer {
  const op = addrOp(cmd, a);
  const v4 = isIPv4(a.address);
  if (!v4 && !isIPv6(a.address))
    throw new NetlinkError(ERRNO.EINVAL, op, `not an IP address: ${JSON.stringify(a.address)}`);
  const max = v4 ? 32 : 128;
  if (!Number.isInteger(a.prefixlen) || a.prefixlen < 0 || a.prefixlen > max)
    throw new NetlinkError(ERRNO.EINVAL, op, `prefix length must be 0..${max}`);
  if (!Number.isInteger(a.ifindex) || a.ifindex <= 0 || a.ifindex > 0x7fffffff)
    throw new NetlinkError(ERRNO.EINVAL, op, `bad interface index ${a.ifindex}`);
  if (a.label !== undefined && !v4) throw new NetlinkError(ERRNO.EINVAL, op, 'address labels exist only for IPv4');
  if (a.label !== undefined && (Buffer.byteLength(a.label) > 15 || a.label === ''))
    throw new NetlinkError(ERRNO.EINVAL, op, 'label must be 1..15 bytes');
  const flags = a.nodad ? IFA_F_NODAD : 0;
  const bytes = ipBytes(a.address);
  const attrs = [attr(IFA_LOCAL, bytes), attr(IFA_ADDRESS, bytes)];
  if (a.label !== undefined) attrs.push(attrStr(IFA_LABEL, a.label));
  if (flags) attrs.push(attrU32(IFA_FLAGS, flags));
  return Buffer.concat([ifaddrmsg(v4 ? AF_INET : AF_INET6, a.prefixlen, flags, a.ifindex), ...attrs]);
}

function ifaddrmsg(family: number, prefixlen: number, flags: number, index: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefixlen, 1);
  b.writeUInt8(flags & 0xff, 2);
  b.writeUInt32LE(index, 4);
  return b;
}

/** The payload of an RTM_GETADDR dump for one family (or all with AF_UNSPEC). */
export function getAddrPayload(family: number = AF_UNSPEC): Buffer {
  return ifaddrmsg(family, 0, 0, 0);
}

/** The payload of RTM_GETLINK: a dump of all links, or one link by name. */
export function getLinkPayload(name?: string): Buffer {
  const hdr = Buffer.alloc(16);
  return name === undefined ? hdr : Buffer.concat([hdr, attrStr(IFLA_IFNAME, name)]);
}

/** Decodes an RTM_NEWADDR/RTM_DELADDR message. Throws NetlinkDecodeError when malformed. */
export function decodeAddr(m: NlMsg): AddrInfo {
  if (m.payload.length < 8) throw new NetlinkDecodeError(`ifaddrmsg of ${m.payload.length} bytes, need 8`);
  const family = m.payload.readUInt8(0);
  if (family !== AF_INET && family !== AF_INET6)
    throw new NetlinkDecodeError(`address family ${family} is neither inet nor inet6`);
  const attrs = parseAttrs(m.payload.subarray(8));
  const raw = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  const want = family === AF_INET ? 4 : 16;
  if (!raw || raw.length !== want)
    throw new NetlinkDecodeError(`address attribute of ${raw?.length ?? 0} bytes, need ${want}`);
  const flags = attrs.get(IFA_FLAGS);
  const label = attrs.get(IFA_LABEL);
  const out: AddrInfo = {
    ifindex: m.payload.readUInt32LE(4),
    family: family === AF_INET ? 'inet' : 'inet6',
    address: ipText(raw),
    prefixlen: m.payload.readUInt8(1),
    flags: flags ? readU32(flags) : m.payload.readUInt8(2),
  };
  if (label) out.label = readStr(label);
  return out;
}

/** Decodes an RTM_NEWLINK/RTM_DELLINK message. Throws NetlinkDecodeError when malformed. */
export function decodeLink(m: NlMsg): LinkInfo {
  if (m.payload.length < 16) throw new NetlinkDecodeError(`ifinfomsg of ${m.payload.length} bytes, need 16`);
  const flags = m.payload.readUInt32LE(8);
  const attrs = parseAttrs(m.payload.subarray(16));
  const name = attrs.get(IFLA_IFNAME);
  const mac = attrs.get(IFLA_ADDRESS);
  const oper = attrs.get(IFLA_OPERSTATE);
  const mtu = attrs.get(IFLA_MTU);
  const out: LinkInfo = {
    index: m.payload.readInt32LE(4),
    name: name ? readStr(name) : '',
    up: (flags & IFF_UP) !== 0,
    running: (flags & IFF_RUNNING) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
    mac: mac ? [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':') : '',
  };
  if (oper) out.operstate = OPERSTATES[readU8(oper)] ?? `oper${readU8(oper)}`;
  if (mtu) out.mtu = readU32(mtu);
  return out;
}
