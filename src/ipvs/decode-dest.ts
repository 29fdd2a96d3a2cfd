/**
 * The hot decoder: one destination of a GET_DEST dump (10,000s per read). It indexes the attributes
 * in place (offsets per type, no Map and no Buffer view per attribute) and reads values straight
 * from the datagram. Same contract as the rest of decode.ts: malformed → NetlinkDecodeError only.
 */
import { NetlinkDecodeError } from '../netlink/errors.js';
import { ipText } from '../../native/ip.js';
import * as C from './constants.js';
import type { Destination, Family, Forwarding, Stats, TunnelType } from './types.js';
import { STAT_KEYS, zeroStats } from './types.js';

const FWD: Forwarding[] = ['nat', 'local', 'tun', 'dr', 'bypass'];
const TUN: TunnelType[] = ['ipip', 'gue', 'gre'];
const MAX_TYPE = 16;

/** Offsets of the attributes of one nest inside `buf` (types >= 16 ignored; a later duplicate wins). */
class AttrIndex {
  readonly off = new Int32Array(MAX_TYPE).fill(-1);
  readonly len = new Int32Array(MAX_TYPE);

  constructor(
    readonly buf: Buffer,
    start: number,
    end: number,
  ) {
    for (let o = start; o < end;) {
      if (end - o < 4) throw new NetlinkDecodeError(`truncated attribute header: ${end - o} bytes left`, o);
      const len = buf.readUInt16LE(o);
      const type = buf.readUInt16LE(o + 2) & 0x3fff;
      if (len < 4 || o + len > end)
        throw new NetlinkDecodeError(`attribute length ${len} invalid (${end - o} bytes left)`, o);
      if (type < MAX_TYPE) {
        this.off[type] = o + 4;
        this.len[type] = len - 4;
      }
      o += (len + 3) & ~3;
    }
  }

  has(t: number): boolean {
    return this.off[t] >= 0;
  }

  /** Payload offset of attribute `t`, checked to hold `size` bytes. */
  at(t: number, size: number, what: string): number {
    if (this.off[t] < 0) throw new NetlinkDecodeError(`IPVS reply without ${what}`);
    if (this.len[t] < size) throw new NetlinkDecodeError(`${what} of ${this.len[t]} bytes, need ${size}`);
    return this.off[t];
  }

  nest(t: number, what: string): AttrIndex {
    const o = this.at(t, 0, what);
    return new AttrIndex(this.buf, o, o + this.len[t]);
  }
}

function statsAt(ix: AttrIndex, t: number, is64: boolean): Stats {
  const s = ix.nest(t, 'stats');
  const out = zeroStats();
  STAT_KEYS.forEach((k, i) => {
    if (!s.has(i + 1)) return;
    const wide = is64 || k === 'inbytes' || k === 'outbytes';
    const o = s.at(i + 1, wide ? 8 : 4, `stats attribute ${i + 1}`);
    out[k] = wide ? s.buf.readBigUInt64LE(o) : BigInt(s.buf.readUInt32LE(o));
  });
  return out;
}

function familyOfNum(n: number): Family {
  if (n === C.AF_INET) return 'inet';
  if (n === C.AF_INET6) return 'inet6';
  throw new NetlinkDecodeError(`unknown address family ${n}`);
}

function tunnel(ix: AttrIndex, d: Destination): void {
  const type = ix.has(C.IPVS_DEST_ATTR_TUN_TYPE)
    ? ix.buf.readUInt8(ix.at(C.IPVS_DEST_ATTR_TUN_TYPE, 1, 'IPVS_DEST_ATTR_TUN_TYPE'))
    : 0;
  const tunType = TUN[type];
  if (tunType === undefined) throw new NetlinkDecodeError(`unknown IPVS tunnel type ${type}`);
  d.tunType = tunType;
  const u16 = (t: number, be: boolean): number => {
    if (!ix.has(t)) return 0;
    const o = ix.at(t, 2, `attribute ${t}`);
    return be ? ix.buf.readUInt16BE(o) : ix.buf.readUInt16LE(o);
  };
  if (tunType === 'gue') d.tunPort = u16(C.IPVS_DEST_ATTR_TUN_PORT, true);
  if (tunType !== 'ipip') d.tunFlags = u16(C.IPVS_DEST_ATTR_TUN_FLAGS, false);
}

function destFrom(ix: AttrIndex, svcAf: Family, withStats: boolean): Destination {
  const b = ix.buf;
  const u32 = (t: number, what: string): number => b.readUInt32LE(ix.at(t, 4, what));
  const af = ix.has(C.IPVS_DEST_ATTR_ADDR_FAMILY)
    ? familyOfNum(b.readUInt16LE(ix.at(C.IPVS_DEST_ATTR_ADDR_FAMILY, 2, 'IPVS_DEST_ATTR_ADDR_FAMILY')))
    : svcAf;
  const fwdNum = u32(C.IPVS_DEST_ATTR_FWD_METHOD, 'IPVS_DEST_ATTR_FWD_METHOD') & C.IP_VS_CONN_F_FWD_MASK;
  const forwarding = FWD[fwdNum];
  if (forwarding === undefined) throw new NetlinkDecodeError(`unknown IPVS forwarding method ${fwdNum}`);
  const a = ix.at(C.IPVS_DEST_ATTR_ADDR, af === 'inet6' ? 16 : 4, 'IPVS_DEST_ATTR_ADDR');
  const d: Destination = {
    af,
    address: af === 'inet' ? `${b[a]}.${b[a + 1]}.${b[a + 2]}.${b[a + 3]}` : ipText(b.subarray(a, a + 16)),
    port: b.readUInt16BE(ix.at(C.IPVS_DEST_ATTR_PORT, 2, 'IPVS_DEST_ATTR_PORT')),
    forwarding,
    weight: u32(C.IPVS_DEST_ATTR_WEIGHT, 'IPVS_DEST_ATTR_WEIGHT') | 0,
    upperThreshold: u32(C.IPVS_DEST_ATTR_U_THRESH, 'IPVS_DEST_ATTR_U_THRESH'),
    lowerThreshold: u32(C.IPVS_DEST_ATTR_L_THRESH, 'IPVS_DEST_ATTR_L_THRESH'),
  };
  if (forwarding === 'tun') tunnel(ix, d);
  const count = (t: number): number => (ix.has(t) ? u32(t, `attribute ${t}`) : 0);
  d.conns = {
    active: count(C.IPVS_DEST_ATTR_ACTIVE_CONNS),
    inactive: count(C.IPVS_DEST_ATTR_INACT_CONNS),
    persistent: count(C.IPVS_DEST_ATTR_PERSIST_CONNS),
  };
  if (!withStats) return d;
  if (ix.has(C.IPVS_DEST_ATTR_STATS64)) d.stats = statsAt(ix, C.IPVS_DEST_ATTR_STATS64, true);
  else if (ix.has(C.IPVS_DEST_ATTR_STATS)) d.stats = statsAt(ix, C.IPVS_DEST_ATTR_STATS, false);
  return d;
}

/**
 * A destination from the payload of a DEST nest (`nest` = its attributes). Tunnel fields are set
 * only for `tun` (tunPort only for gue, tunFlags for gue/gre), so a read table equals a written one.
 */
export function decodeDestNest(nest: Buffer, svcAf: Family): Destination {
  return destFrom(new AttrIndex(nest, 0, nest.length), svcAf, true);
}

/**
 * One GET_DEST dump message (genl payload) → destination. With `withStats` false the traffic
 * counters are not decoded (`stats` stays unset: ten 64-bit values a destination that
 * `ipvsadm -Ln`-style output never shows).
 */
export function decodeDestMsg(payload: Buffer, svcAf: Family, withStats = true): Destination {
  if (payload.length < 4) throw new NetlinkDecodeError(`generic netlink payload of ${payload.length} bytes, need 4`);
  return destFrom(
    new AttrIndex(payload, 4, payload.length).nest(C.IPVS_CMD_ATTR_DEST, 'IPVS_CMD_ATTR_DEST'),
    svcAf,
    withStats,
  );
}
