/**
 * VRRP advertisement codec, pure. VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798) over IPv4, VRRPv3 over IPv6.
 *
 *   v2:  0               1               2               3
 *       |Ver=2|Type=1 |    VRID       |   Priority    | Count IPvX    |
 *       |  Auth Type  |  Adver Int(s) |          Checksum             |
 *       |                 IPv4 address(es) (4 × count)                |
 *       |            Authentication data (8 bytes, PASS password)     |
 *   v3: |Ver=3|Type=1 |    VRID       |   Priority    | Count IPvX    |
 *       |(rsvd)| Max Adver Int (12 bits, centiseconds)|   Checksum    |
 *       |      IPv4 (4 × count) or IPv6 (16 × count) address(es)       |
 *
 * Checksums: v2 over the message only; v3 over pseudo-header + message (keepalived's default and what
 * we send; message-only v3/IPv4 checksums, RFC 9568's reading, are accepted on receive).
 * `decodeAdvert` applies keepalived's receive checks and returns a reason instead of throwing. On top of
 * them: a v3 interval below 10 ms (keepalived's least, so only 0) is refused, and so is an advert
 * claiming our own address or a multicast/broadcast/unspecified one as its source. The address
 * list is checked like keepalived 2.2.7 does for both versions (count, then each of ours present;
 * keepalived >= 2.3.3 only logs it): a mismatch is dropped, also at priority 255, since an attacker
 * would simply claim to be the owner.
 */
import { ipBytes, ipText } from '../../native/ip.js';
import { inetChecksum, pseudoV4, pseudoV6 } from './checksum.js';

/** IP protocol number of VRRP. */
export const IPPROTO_VRRP = 112;
/** VRRP multicast groups (RFC 5798 §5.1.1.2 / §5.1.2.2). */
export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';

/** A decoded or to-be-encoded advertisement. */
export interface Advert {
  version: 2 | 3;
  vrid: number;
  /** 0 = the master resigns; 255 = address owner. */
  priority: number;
  /** Advert interval in centiseconds (v2 carries whole seconds: 100 × the field). */
  intervalCs: number;
  /** IPv4 or IPv6 addresses (one family). */
  addresses: string[];
  /** v2 only: PASS authentication password (≤ 8 bytes); absent = auth type 0. */
  password?: string;
}

/** Why a received packet was dropped; every rejection has exactly one. */
export type RejectReason =
  | 'ip-header'
  | 'protocol'
  | 'too-short'
  | 'length'
  | 'ttl'
  | 'version'
  | 'type'
  | 'vrid'
  | 'auth-type'
  | 'auth'
  | 'interval'
  | 'interval-zero'
  | 'checksum'
  | 'destination'
  | 'source'
  | 'own-address'
  | 'address-count'
  | 'address-list';

/** All reasons, in check order (for metrics initialisation). */
export const REJECT_REASONS: readonly RejectReason[] = [
  'ip-header',
  'protocol',
  'too-short',
  'length',
  'ttl',
  'version',
  'type',
  'vrid',
  'auth-type',
  'auth',
  'interval',
  'interval-zero',
  'checksum',
  'destination',
  'source',
  'own-address',
  'address-count',
  'address-list',
];

/** Where a packet came from, as the socket layer saw it. */
export interface RxMeta {
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit; -1 if unknown (then not checked). */
  ttl: number;
}

/** What the receiving instance expects (keepalived's receive checks). */
export interface Expectation {
  family: 4 | 6;
  version: 2 | 3;
  vrid: number;
  /** true: adverts must arrive on the VRRP group with TTL 255; false: unicast. */
  multicast: boolean;
  /** v2: the configured PASS password, or undefined for no authentication. */
  password?: string;
  /** v2: our advert interval; a mismatch is rejected (RFC 3768 §7.1). */
  intervalCs?: number;
  /** unicast: accepted source addresses (empty/undefined = any). */
  peers?: readonly string[];
  /** Our virtual IPs in canonical text (as `addrText` writes them); undefined = not checked. */
  addresses?: readonly string[];
  /** Our own source address: an advert claiming it is forged (our sends are not looped back). */
  self?: string;
}

/** Result of decoding: an advert, or a reason it was rejected. Never throws. */
export type DecodeResult = { ok: true; advert: Advert } | { ok: false; reason: RejectReason; detail?: string };

/** Pads/truncates a PASS password to the 8-byte authentication field. */
function authField(password?: string): Buffer {
  const b = Buffer.alloc(8);
  if (password) Buffer.from(password, 'utf8').copy(b, 0, 0, 8);
  return b;
}

/**
 * Encodes the VRRP message (no IP header) with its checksum. `src`/`dst` are the IP addresses the
 * packet will carry (v3 checksums cover them; for unicast, dst is the peer). Throws TypeError on
 * values that do not fit the wire format (a bug in the caller, not network input).
 */
export function encodeAdvert(a: Advert, src: string, dst: string): Buffer {
  const addrs = a.addresses.map(ipBytes);
  const v6 = addrs[0]?.length === 16;
  if (a.version === 2 && v6) throw new TypeError('VRRPv2 carries IPv4 addresses only');
  if (a.vrid < 1 || a.vrid > 255 || a.priority < 0 || a.priority > 255 || addrs.length > 255)
    throw new TypeError('VRID, priority or address count out of range');
  const head = Buffer.alloc(8);
  head[0] = (a.version << 4) | 1;
  head[1] = a.vrid;
  head[2] = a.priority;
  head[3] = addrs.length;
  if (a.version === 2) {
    head[4] = a.password ? 1 : 0;
    head[5] = Math.round(a.intervalCs / 100);
  } else head.writeUInt16BE(a.intervalCs & 0x0fff, 4);
  const msg = Buffer.concat([head, ...addrs, ...(a.version === 2 ? [authField(a.password)] : [])]);
  msg.writeUInt16BE(checksumFor(a.version, msg, src, dst, v6), 6);
  return msg;
}

/** Checksum as sent: v2 message-only; v3 with the IPv4 or IPv6 pseudo-header. */
function checksumFor(version: number, msg: Buffer, src: string, dst: string, v6: boolean): number {
  if (version === 2) return inetChecksum(msg);
  const s = ipBytes(src);
  const d = ipBytes(dst);
  const ph = v6 ? pseudoV6(s, d, IPPROTO_VRRP, msg.length) : pseudoV4(s, d, IPPROTO_VRRP, msg.length);
  return inetChecksum(ph, msg);
}

/** Expected message length for a version/family/count. */
function expectedLength(version: number, family: 4 | 6, count: number): number {
  return 8 + count * (family === 6 ? 16 : 4) + (version === 2 ? 8 : 0);
}

const reject = (reason: RejectReason, detail?: string): DecodeResult => ({ ok: false, reason, detail });

/**
 * Decodes one VRRP message (IP header already removed) against an instance's expectations.
 * Checks, in keepalived's order: length, TTL (multicast), version, type, VRID, auth, v2 interval,
 * checksum; then v3 interval 0, destination, source, our own address, the address list. Never throws.
 */
export function decodeAdvert(msg: Buffer, meta: RxMeta, exp: Expectation): DecodeResult {
  if (msg.length < 8) return reject('too-short', `${msg.length} bytes`);
  const count = msg[3]!;
  const version = msg[0]! >> 4;
  if (version !== exp.version) return reject('version', `version ${version}`);
  if (count === 0 || msg.length !== expectedLength(version, exp.family, count))
    return reject('length', `${msg.length} bytes for ${count} addresses`);
  if (exp.multicast && meta.ttl !== -1 && meta.ttl !== 255) return reject('ttl', `ttl ${meta.ttl}`);
  if ((msg[0]! & 0x0f) !== 1) return reject('type', `type ${msg[0]! & 0x0f}`);
  if (msg[1] !== exp.vrid) return reject('vrid', `vrid ${msg[1]}`);
  if (version === 2) {
    const r = checkV2Auth(msg, exp);
    if (r) return r;
  }
  if (!checksumOk(version, msg, meta, exp.family)) return reject('checksum');
  if (version === 3 && (msg.readUInt16BE(4) & 0x0fff) === 0) return reject('interval-zero', 'advert interval 0');
  const r = checkEnds(meta, exp);
  if (r) return r;
  const advert = parseFields(msg, version as 2 | 3, exp.family, count);
  return checkAddresses(advert.addresses, exp) ?? { ok: true, advert };
}

function checkV2Auth(msg: Buffer, exp: Expectation): DecodeResult | undefined {
  const authType = msg[4]!;
  if (authType !== (exp.password ? 1 : 0)) return reject('auth-type', `auth type ${authType}`);
  if (exp.password && !msg.subarray(msg.length - 8).equals(authField(exp.password))) return reject('auth');
  if (exp.intervalCs !== undefined && msg[5]! * 100 !== exp.intervalCs)
    return reject('interval', `advert interval ${msg[5]}s`);
  return undefined;
}

function checksumOk(version: number, msg: Buffer, meta: RxMeta, family: 4 | 6): boolean {
  if (inetChecksum(msg) === 0) return version === 2 || family === 4;
  if (version === 2) return false;
  try {
    const s = ipBytes(meta.src);
    const d = ipBytes(meta.dst);
    if (s.length !== (family === 6 ? 16 : 4) || d.length !== s.length) return false;
    const ph = family === 6 ? pseudoV6(s, d, IPPROTO_VRRP, msg.length) : pseudoV4(s, d, IPPROTO_VRRP, msg.length);
    return inetChecksum(ph, msg) === 0;
  } catch {
    return false;
  }
}

function checkEnds(meta: RxMeta, exp: Expectation): DecodeResult | undefined {
  const group = exp.family === 6 ? VRRP_GROUP_V6 : VRRP_GROUP_V4;
  if (exp.multicast !== (meta.dst === group)) return reject('destination', `sent to ${meta.dst}`);
  if (!isUnicastSource(meta.src)) return reject('source', `from ${meta.src}, not a unicast address`);
  if (!exp.multicast && exp.peers?.length && !exp.peers.includes(meta.src))
    return reject('source', `from ${meta.src}, not a unicast peer`);
  if (meta.src === exp.self) return reject('own-address', `from our own address ${meta.src}`);
  return undefined;
}

/** A source a router can have: not unspecified, multicast, reserved (240/4) or broadcast. */
function isUnicastSource(src: string): boolean {
  if (src.includes(':')) return src !== '::' && !src.startsWith('ff');
  return src !== '0.0.0.0' && Number(src.slice(0, src.indexOf('.'))) < 224;
}

/** keepalived's check: the same number of addresses, and every one of ours among them. */
function checkAddresses(got: readonly string[], exp: Expectation): DecodeResult | undefined {
  const ours = exp.addresses;
  if (!ours) return undefined;
  if (got.length !== ours.length) return reject('address-count', `${got.length} addresses, ours ${ours.length}`);
  const missing = ours.find((a) => !got.includes(a));
  return missing === undefined ? undefined : reject('address-list', `our ${missing} is not in the advert`);
}

function parseFields(msg: Buffer, version: 2 | 3, family: 4 | 6, count: number): Advert {
  const size = family === 6 ? 16 : 4;
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(ipText(msg.subarray(8 + i * size, 8 + (i + 1) * size)));
  const intervalCs = version === 2 ? msg[5]! * 100 : msg.readUInt16BE(4) & 0x0fff;
  const advert: Advert = { version, vrid: msg[1]!, priority: msg[2]!, intervalCs, addresses };
  if (version === 2 && msg[4] === 1)
    advert.password = msg
      .subarray(msg.length - 8)
      .toString('utf8')
      .replace(/\0+$/, '');
  return advert;
}
