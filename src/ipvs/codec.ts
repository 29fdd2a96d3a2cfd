/**
 * IPVS request encoders: Op (src/ipvs/types.ts) → generic netlink payload. Pure.
 *
 * The attribute layout copies ipvsadm 1.31 (libipvs) byte for byte, checked against messages
 * captured from ipvsadm itself (test/fixtures/ipvs/*.strace):
 *   SERVICE nest (NLA_F_NESTED): AF u16, then FWMARK u32 or PROTOCOL u16 + ADDR 16B + PORT be16,
 *     then SCHED_NAME, [PE_NAME], FLAGS {flags u32, mask 0xffffffff}, TIMEOUT u32, NETMASK u32.
 *     Commands that only name a service (dest ops, delete, zero) send SCHED_NAME "" and defaults.
 *   DEST nest (NLA_F_NESTED): ADDR_FAMILY u16, ADDR 16B, PORT be16, FWD_METHOD u32, WEIGHT u32,
 *     TUN_TYPE u8, TUN_PORT be16, TUN_FLAGS u16, U_THRESH u32, L_THRESH u32.
 * Dumps (GET_SERVICE, GET_DEST) carry only the identity part.
 */
import { align4, attr, attrBe16, attrNested, attrU16, attrU32, NLA_F_NESTED } from '../netlink/attributes.js';
import { genlPayload } from '../netlink/genl.js';
import { parseIpBytes } from './addr.js';
import * as C from './constants.js';
import { IpvsError } from './errors.js';
import {
  destKey,
  serviceKey,
  type Destination,
  type Family,
  type Forwarding,
  type Op,
  type Protocol,
  type Service,
  type ServiceId,
  type TunnelType,
} from './types.js';

/** One encoded IPVS request: the genl payload, its command, whether it is a dump, and a name for errors. */
export interface IpvsRequest {
  readonly cmd: number;
  readonly payload: Buffer;
  /** The request's name in errors, e.g. "IPVS_CMD_NEW_DEST TCP 10.0.0.1:80 -> 10.0.2.2:80" (may be built when read). */
  readonly op: string;
  dump?: boolean;
}

const PROTO: Record<Protocol, number> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP, sctp: C.IPPROTO_SCTP };
const FWD: Record<Forwarding, number> = {
  nat: C.IP_VS_CONN_F_MASQ,
  local: C.IP_VS_CONN_F_LOCALNODE,
  tun: C.IP_VS_CONN_F_TUNNEL,
  dr: C.IP_VS_CONN_F_DROUTE,
  bypass: C.IP_VS_CONN_F_BYPASS,
};
const TUN: Record<TunnelType, number> = {
  ipip: C.IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  gue: C.IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  gre: C.IP_VS_CONN_F_TUNNEL_TYPE_GRE,
};

/** AF_INET / AF_INET6 for a Family. */
export function afNumber(af: Family): number {
  return af === 'inet6' ? C.AF_INET6 : C.AF_INET;
}

/**
 * Writes the 4 or 16 bytes of `address` at `off` of `b` (whose bytes after them the caller zeroes). Throws
 * IpvsError on garbage or a family mismatch.
 */
function writeAddr(b: Buffer, off: number, address: string, af: Family): void {
  const parsed = parseIpBytes(address);
  if (parsed === null) throw new IpvsError('IPVS_INVALID', `invalid IP address "${address}"`);
  if (parsed.af !== af)
    throw new IpvsError('IPVS_INVALID', `address ${address} is not ${af === 'inet6' ? 'IPv6' : 'IPv4'}`);
  for (let i = 0; i < parsed.bytes.length; i++) b[off + i] = parsed.bytes[i];
}

/** 16-byte nf_inet_addr of `address` (IPv4 in the first 4 bytes). Throws IpvsError on garbage or a family mismatch. */
export function addrBytes(address: string, af: Family): Buffer {
  const out = Buffer.alloc(16);
  writeAddr(out, 0, address, af);
  return out;
}

function u16(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff)
    throw new IpvsError('IPVS_INVALID', `${name} ${v} out of range 0-65535`);
  return v;
}

function u32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new IpvsError('IPVS_INVALID', `${name} ${v} out of range 0-4294967295`);
  return v;
}

function name(what: string, v: string): string {
  if (v.length >= C.IP_VS_SCHEDNAME_MAXLEN || !/^[A-Za-z0-9_-]*$/.test(v))
    throw new IpvsError('IPVS_INVALID', `invalid ${what} name "${v}"`);
  return v;
}

/** Identity attributes of a service (no nest header). */
export function serviceIdAttrs(id: ServiceId): Buffer[] {
  const af = attrU16(C.IPVS_SVC_ATTR_AF, afNumber(id.af));
  if (id.fwmark !== undefined) return [af, attrU32(C.IPVS_SVC_ATTR_FWMARK, u32('fwmark', id.fwmark))];
  const proto = PROTO[id.protocol];
  if (proto === undefined) throw new IpvsError('IPVS_INVALID', `unknown protocol "${String(id.protocol)}"`);
  return [
    af,
    attrU16(C.IPVS_SVC_ATTR_PROTOCOL, proto),
    attr(C.IPVS_SVC_ATTR_ADDR, addrBytes(id.address, id.af)),
    attrBe16(C.IPVS_SVC_ATTR_PORT, u16('port', id.port)),
  ];
}

/** Default persistence netmask of a family: 255.255.255.255 or /128. */
export function defaultNetmask(af: Family): number {
  return af === 'inet6' ? 128 : 0xffffffff;
}

/**
 * The SERVICE nest for NEW/SET_SERVICE: identity plus every setting, written in one buffer (a
 * restore of 1,000 services built ~10 small buffers per service and joined them: 2,000 nests,
 * ~20% of validating the file). Checks run in the order of the attributes.
 */
export function serviceNest(s: Service): Buffer {
  const id = s.id;
  const af = afNumber(id.af);
  let fwmark = 0,
    proto = 0,
    port = 0;
  let addr: Buffer | undefined;
  if (id.fwmark !== undefined) fwmark = u32('fwmark', id.fwmark);
  else {
    proto = PROTO[id.protocol];
    if (proto === undefined) throw new IpvsError('IPVS_INVALID', `unknown protocol "${String(id.protocol)}"`);
    addr = addrBytes(id.address, id.af);
    port = u16('port', id.port);
  }
  const sched = name('scheduler', s.scheduler);
  const pe = s.pe ? name('persistence engine', s.pe) : '';
  const flags = u32('flags', s.flags);
  const timeout = u32('timeout', s.timeout);
  const netmask = u32('netmask', s.netmask);
  const strLen = (v: string) => align4(4 + v.length + 1); // names are ASCII (name() checks)
  const len = 4 + 8 + (addr ? 8 + 20 + 8 : 8) + strLen(sched) + (pe ? strLen(pe) : 0) + 12 + 8 + 8;
  const b = Buffer.allocUnsafe(len).fill(0);
  le16(b, 0, len);
  le16(b, 2, C.IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED);
  let o = 4;
  le16(b, hdr(b, o, C.IPVS_SVC_ATTR_AF, 2), af);
  o += 8;
  if (addr) {
    le16(b, hdr(b, o, C.IPVS_SVC_ATTR_PROTOCOL, 2), proto);
    b.set(addr, hdr(b, o + 8, C.IPVS_SVC_ATTR_ADDR, 16));
    be16(b, hdr(b, o + 28, C.IPVS_SVC_ATTR_PORT, 2), port);
    o += 36;
  } else {
    le32(b, hdr(b, o, C.IPVS_SVC_ATTR_FWMARK, 4), fwmark);
    o += 8;
  }
  for (const [type, v] of pe
    ? ([
        [C.IPVS_SVC_ATTR_SCHED_NAME, sched],
        [C.IPVS_SVC_ATTR_PE_NAME, pe],
      ] as const)
    : ([[C.IPVS_SVC_ATTR_SCHED_NAME, sched]] as const)) {
    const at = hdr(b, o, type, v.length + 1);
    for (let i = 0; i < v.length; i++) b[at + i] = v.charCodeAt(i);
    o += strLen(v);
  }
  const f = hdr(b, o, C.IPVS_SVC_ATTR_FLAGS, 8);
  le32(b, f, flags);
  le32(b, f + 4, 0xffffffff);
  o += 12;
  le32(b, hdr(b, o, C.IPVS_SVC_ATTR_TIMEOUT, 4), timeout);
  o += 8;
  // NETMASK: an IPv4 mask in network byte order (255.255.255.0 → ff ff ff 00), an IPv6 prefix length in host order
  const m = hdr(b, o, C.IPVS_SVC_ATTR_NETMASK, 4);
  if (id.af === 'inet6') le32(b, m, netmask);
  else b.writeUInt32BE(netmask, m);
  return b;
}

let lastRef: { key: string; nest: Buffer } | undefined;

/**
 * The SERVICE nest that only names a service (as ipvsadm sends it for dest, delete and zero
 * commands). The last one is cached: restores and reconciles send runs of ops for one service.
 */
export function serviceRefNest(id: ServiceId): Buffer {
  const key = id.fwmark !== undefined ? `${id.af} f${id.fwmark}` : `${id.af} ${id.protocol} ${id.address} ${id.port}`;
  if (lastRef?.key === key) return lastRef.nest;
  const nest = serviceNest({ id, scheduler: '', flags: 0, timeout: 0, netmask: defaultNetmask(id.af) });
  lastRef = { key, nest };
  return nest;
}

// Plain byte stores: Buffer's checked write methods were a fifth of encoding 10,000 destinations
// (values are range-checked before they get here).
function le16(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

function le32(b: Buffer, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

function be16(b: Buffer, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

/** Writes one fixed-size attribute header at `off`; returns the offset of its payload. */
function hdr(b: Buffer, off: number, type: number, payloadLen: number): number {
  le16(b, off, 4 + payloadLen);
  le16(b, off + 2, type);
  return off + 4;
}

/** Size of the DEST nest: header + 9 attributes of 8 bytes + ADDR of 20. */
const DEST_NEST_LEN = 4 + 9 * 8 + 20;

/** The DEST nest for NEW/SET/DEL_DEST, written in one buffer (restores send 10,000s). */
export function destNest(d: Destination): Buffer {
  const fwd = FWD[d.forwarding];
  if (fwd === undefined) throw new IpvsError('IPVS_INVALID', `unknown forwarding method "${String(d.forwarding)}"`);
  const tun = d.tunType === undefined ? 0 : TUN[d.tunType];
  if (tun === undefined) throw new IpvsError('IPVS_INVALID', `unknown tunnel type "${String(d.tunType)}"`);
  if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > 0x7fffffff)
    throw new IpvsError('IPVS_INVALID', `weight ${d.weight} out of range 0-2147483647`);
  const b = Buffer.allocUnsafe(DEST_NEST_LEN).fill(0); // pooled: restores encode 10,000s
  le16(b, 0, DEST_NEST_LEN);
  le16(b, 2, C.IPVS_CMD_ATTR_DEST | NLA_F_NESTED);
  le16(b, hdr(b, 4, C.IPVS_DEST_ATTR_ADDR_FAMILY, 2), afNumber(d.af));
  writeAddr(b, hdr(b, 12, C.IPVS_DEST_ATTR_ADDR, 16), d.address, d.af);
  be16(b, hdr(b, 32, C.IPVS_DEST_ATTR_PORT, 2), u16('port', d.port));
  le32(b, hdr(b, 40, C.IPVS_DEST_ATTR_FWD_METHOD, 4), fwd);
  le32(b, hdr(b, 48, C.IPVS_DEST_ATTR_WEIGHT, 4), d.weight);
  b[hdr(b, 56, C.IPVS_DEST_ATTR_TUN_TYPE, 1)] = tun;
  be16(b, hdr(b, 64, C.IPVS_DEST_ATTR_TUN_PORT, 2), u16('tunnel port', d.tunPort ?? 0));
  le16(b, hdr(b, 72, C.IPVS_DEST_ATTR_TUN_FLAGS, 2), u16('tunnel flags', d.tunFlags ?? 0));
  le32(b, hdr(b, 80, C.IPVS_DEST_ATTR_U_THRESH, 4), u32('upper threshold', d.upperThreshold));
  le32(b, hdr(b, 88, C.IPVS_DEST_ATTR_L_THRESH, 4), u32('lower threshold', d.lowerThreshold));
  return b;
}

/**
 * An encoded request whose name is built only when read: names are for error messages, and
 * building 11,000 of them (service and destination keys) was a third of validating a rules file.
 */
class EncodedRequest implements IpvsRequest {
  dump?: boolean;

  constructor(
    readonly cmd: number,
    readonly payload: Buffer,
    private readonly subject: () => string,
  ) {}

  get op(): string {
    const s = this.subject();
    return `${C.IPVS_CMD_NAMES[this.cmd]}${s ? ' ' + s : ''}`;
  }
}

/** `subject` names what the command is about ("TCP 10.0.0.1:80 -> 10.0.2.2:80"); it runs only when `op` is read. */
function req(cmd: number, attrs: Buffer[], subject: () => string, dump = false): IpvsRequest {
  const r = new EncodedRequest(cmd, genlPayload(cmd, C.IPVS_GENL_VERSION, attrs), subject);
  if (dump) r.dump = true;
  return r;
}

const NONE = (): string => '';

/** Encodes one Op as the request ipvsadm would send for it. Throws IpvsError on values the kernel cannot take. */
export function encodeOp(op: Op): IpvsRequest {
  switch (op.op) {
    case 'add-service':
      return req(C.IPVS_CMD_NEW_SERVICE, [serviceNest(op.service)], () => serviceKey(op.service.id));
    case 'edit-service':
      return req(C.IPVS_CMD_SET_SERVICE, [serviceNest(op.service)], () => serviceKey(op.service.id));
    case 'del-service':
      return req(C.IPVS_CMD_DEL_SERVICE, [serviceRefNest(op.id)], () => serviceKey(op.id));
    case 'add-dest':
      return req(
        C.IPVS_CMD_NEW_DEST,
        [serviceRefNest(op.service), destNest(op.dest)],
        () => `${serviceKey(op.service)} -> ${destKey(op.dest)}`,
      );
    case 'edit-dest':
      return req(
        C.IPVS_CMD_SET_DEST,
        [serviceRefNest(op.service), destNest(op.dest)],
        () => `${serviceKey(op.service)} -> ${destKey(op.dest)}`,
      );
    case 'del-dest': {
      const d: Destination = { ...op.dest, forwarding: 'dr', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
      return req(
        C.IPVS_CMD_DEL_DEST,
        [serviceRefNest(op.service), destNest(d)],
        () => `${serviceKey(op.service)} -> ${destKey(op.dest)}`,
      );
    }
    case 'flush':
      return req(C.IPVS_CMD_FLUSH, [], NONE);
    case 'zero':
      return op.service
        ? req(C.IPVS_CMD_ZERO, [serviceRefNest(op.service)], () => serviceKey(op.service!))
        : req(C.IPVS_CMD_ZERO, [], NONE);
    default:
      throw new IpvsError('IPVS_INVALID', `unknown op ${JSON.stringify((op as { op?: unknown }).op)}`);
  }
}

/** GET_SERVICE dump of every service. */
export function encodeGetServices(): IpvsRequest {
  return req(C.IPVS_CMD_GET_SERVICE, [], NONE, true);
}

/** GET_DEST dump of one service's destinations (identity-only SERVICE nest, as ipvsadm sends). */
export function encodeGetDests(id: ServiceId): IpvsRequest {
  return req(
    C.IPVS_CMD_GET_DEST,
    [attrNested(C.IPVS_CMD_ATTR_SERVICE, serviceIdAttrs(id), true)],
    () => serviceKey(id),
    true,
  );
}

/** GET_INFO (version and connection table size). */
export function encodeGetInfo(): IpvsRequest {
  return req(C.IPVS_CMD_GET_INFO, [], NONE);
}

/** GET_CONFIG (tcp, tcpfin, udp timeouts). */
export function encodeGetConfig(): IpvsRequest {
  return req(C.IPVS_CMD_GET_CONFIG, [], NONE);
}

/** Connection timeouts in seconds; 0 leaves a value unchanged (as with `ipvsadm --set`). */
export interface Timeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

/** SET_CONFIG with the three timeouts (always all three, like ipvsadm). */
export function encodeSetConfig(t: Timeouts): IpvsRequest {
  return req(
    C.IPVS_CMD_SET_CONFIG,
    [
      attrU32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, u32('tcp timeout', t.tcp)),
      attrU32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, u32('tcpfin timeout', t.tcpFin)),
      attrU32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, u32('udp timeout', t.udp)),
    ],
    () => `${t.tcp} ${t.tcpFin} ${t.udp}`,
  );
}
