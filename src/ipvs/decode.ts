/**
 * IPVS reply decoders: generic netlink payloads of GET_SERVICE / GET_DEST dumps, GET_INFO and
 * GET_CONFIG → the model in src/ipvs/types.ts. Pure. Anything malformed (missing attribute, wrong
 * size, unknown family/protocol/forwarding) throws NetlinkDecodeError and nothing else.
 */
import { parseAttrs, readBe16, readStr, readU16, readU32, type AttrMap } from '../netlink/attributes.js';
import { NetlinkDecodeError } from '../netlink/errors.js';
import { decodeGenl } from '../netlink/genl.js';
import { ipText } from '../../native/ip.js';
import * as C from './constants.js';
import type { Timeouts } from './codec.js';
import type { Family, Protocol, ServiceId, Stats, TableService } from './types.js';
import { STAT_KEYS, zeroStats } from './types.js';

export { decodeDestMsg, decodeDestNest } from './decode-dest.js';

const PROTO: Record<number, Protocol> = { [C.IPPROTO_TCP]: 'tcp', [C.IPPROTO_UDP]: 'udp', [C.IPPROTO_SCTP]: 'sctp' };

function need(m: AttrMap, type: number, what: string): Buffer {
  const v = m.get(type);
  if (v === undefined) throw new NetlinkDecodeError(`IPVS reply without ${what}`);
  return v;
}

/** Family from an AF number; throws NetlinkDecodeError for anything but AF_INET/AF_INET6. */
export function familyFrom(n: number): Family {
  if (n === C.AF_INET) return 'inet';
  if (n === C.AF_INET6) return 'inet6';
  throw new NetlinkDecodeError(`unknown address family ${n}`);
}

/** Canonical text of a 16-byte nf_inet_addr in family `af`. */
export function addrText(b: Buffer, af: Family): string {
  const n = af === 'inet6' ? 16 : 4;
  if (b.length < n) throw new NetlinkDecodeError(`address attribute of ${b.length} bytes, need ${n}`);
  return ipText(b.subarray(0, n));
}

/**
 * Decodes a nested STATS64 (all u64) or STATS (u32 counters, u64 bytes) attribute. Walks the attributes without
 * a Map (10,000s per dump).
 */
export function decodeStats(b: Buffer, is64: boolean): Stats {
  const out = zeroStats();
  for (let off = 0; off < b.length;) {
    if (b.length - off < 4)
      throw new NetlinkDecodeError(`truncated stats attribute header: ${b.length - off} bytes left`, off);
    const len = b.readUInt16LE(off);
    const type = b.readUInt16LE(off + 2) & 0x3fff;
    if (len < 4 || off + len > b.length) throw new NetlinkDecodeError(`stats attribute length ${len} invalid`, off);
    const key = STAT_KEYS[type - 1];
    if (key !== undefined) {
      const wide = is64 || key === 'inbytes' || key === 'outbytes';
      if (len - 4 < (wide ? 8 : 4)) throw new NetlinkDecodeError(`stats attribute ${type} of ${len - 4} bytes`, off);
      out[key] = wide ? b.readBigUInt64LE(off + 4) : BigInt(b.readUInt32LE(off + 4));
    }
    off += (len + 3) & ~3;
  }
  return out;
}

function statsOf(m: AttrMap, t64: number, t32: number): Stats | undefined {
  const s64 = m.get(t64);
  if (s64) return decodeStats(s64, true);
  const s32 = m.get(t32);
  return s32 ? decodeStats(s32, false) : undefined;
}

/** A service's identity from its SVC attributes. */
export function decodeServiceId(m: AttrMap): ServiceId {
  const af = familyFrom(readU16(need(m, C.IPVS_SVC_ATTR_AF, 'IPVS_SVC_ATTR_AF')));
  const fwmark = m.get(C.IPVS_SVC_ATTR_FWMARK);
  if (fwmark !== undefined && readU32(fwmark) !== 0) return { af, fwmark: readU32(fwmark) };
  const pnum = readU16(need(m, C.IPVS_SVC_ATTR_PROTOCOL, 'IPVS_SVC_ATTR_PROTOCOL'));
  const protocol = PROTO[pnum];
  if (protocol === undefined) throw new NetlinkDecodeError(`unknown IPVS service protocol ${pnum}`);
  const address = addrText(need(m, C.IPVS_SVC_ATTR_ADDR, 'IPVS_SVC_ATTR_ADDR'), af);
  return { af, protocol, address, port: readBe16(need(m, C.IPVS_SVC_ATTR_PORT, 'IPVS_SVC_ATTR_PORT')) };
}

/** A service (destinations empty) from the SVC attributes of a dump entry. Flags exclude HASHED. */
export function decodeServiceAttrs(m: AttrMap): TableService {
  const id = decodeServiceId(m);
  const flagsRaw = need(m, C.IPVS_SVC_ATTR_FLAGS, 'IPVS_SVC_ATTR_FLAGS');
  if (flagsRaw.length < 4) throw new NetlinkDecodeError(`IPVS_SVC_ATTR_FLAGS of ${flagsRaw.length} bytes, need 8`);
  const svc: TableService = {
    id,
    scheduler: readStr(need(m, C.IPVS_SVC_ATTR_SCHED_NAME, 'IPVS_SVC_ATTR_SCHED_NAME')),
    flags: flagsRaw.readUInt32LE(0) & ~C.IP_VS_SVC_F_HASHED,
    timeout: readU32(need(m, C.IPVS_SVC_ATTR_TIMEOUT, 'IPVS_SVC_ATTR_TIMEOUT')),
    netmask: 0,
    destinations: [],
  };
  const mask = need(m, C.IPVS_SVC_ATTR_NETMASK, 'IPVS_SVC_ATTR_NETMASK');
  svc.netmask = svc.id.af === 'inet' ? (readU32(mask), mask.readUInt32BE(0)) : readU32(mask);
  const pe = m.get(C.IPVS_SVC_ATTR_PE_NAME);
  if (pe !== undefined && readStr(pe) !== '') svc.pe = readStr(pe);
  const stats = statsOf(m, C.IPVS_SVC_ATTR_STATS64, C.IPVS_SVC_ATTR_STATS);
  if (stats) svc.stats = stats;
  return svc;
}

/** One GET_SERVICE dump message (genl payload) → service. */
export function decodeServiceMsg(payload: Buffer): TableService {
  const { attrs } = decodeGenl(payload);
  return decodeServiceAttrs(parseAttrs(need(attrs, C.IPVS_CMD_ATTR_SERVICE, 'IPVS_CMD_ATTR_SERVICE')));
}

/** What GET_INFO reports. `version` is "major.minor.patch" (e.g. "1.2.1"). */
export interface IpvsInfo {
  version: string;
  versionCode: number;
  connTabSize: number;
}

/** Decodes a GET_INFO reply payload. */
export function decodeInfo(payload: Buffer): IpvsInfo {
  const { attrs } = decodeGenl(payload);
  const code = readU32(need(attrs, C.IPVS_INFO_ATTR_VERSION, 'IPVS_INFO_ATTR_VERSION'));
  const size = readU32(need(attrs, C.IPVS_INFO_ATTR_CONN_TAB_SIZE, 'IPVS_INFO_ATTR_CONN_TAB_SIZE'));
  return {
    version: `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`,
    versionCode: code,
    connTabSize: size,
  };
}

/** Decodes a GET_CONFIG reply payload (missing timeouts read as 0). */
export function decodeConfig(payload: Buffer): Timeouts {
  const { attrs } = decodeGenl(payload);
  const get = (t: number): number => (attrs.has(t) ? readU32(attrs.get(t)!) : 0);
  return {
    tcp: get(C.IPVS_CMD_ATTR_TIMEOUT_TCP),
    tcpFin: get(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN),
    udp: get(C.IPVS_CMD_ATTR_TIMEOUT_UDP),
  };
}
