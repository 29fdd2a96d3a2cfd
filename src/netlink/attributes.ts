/**
 * Netlink attributes (struct nlattr, linux/netlink.h): pure bytes in, bytes out.
 *
 *    0               2               4                   4+n        align4(4+n)
 *    +---------------+---------------+-------------------+----------+
 *    | nla_len (u16) | nla_type (u16)| payload (n bytes) | pad to 4 |
 *    +---------------+---------------+-------------------+----------+
 *    nla_len = 4 + n (padding excluded). nla_type bit 15 = NLA_F_NESTED, bit 14 =
 *    NLA_F_NET_BYTEORDER, low 14 bits = the type. A nested attribute's payload is itself a run
 *    of attributes. Integers are host byte order (little-endian: lvsd targets x86_64/arm64)
 *    except *Be16 values (ports), which are network byte order.
 */
import { NetlinkDecodeError } from './errors.js';

export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

/** Rounds a length up to the netlink alignment (4 bytes). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * A header-sized buffer for a fixed-size attribute. allocUnsafe takes small buffers from Node's
 * pool (much cheaper than a zeroed allocation); callers write or zero every byte.
 */
function fixed(type: number, valueLen: number): Buffer {
  const b = Buffer.allocUnsafe(align4(NLA_HDRLEN + valueLen));
  b.writeUInt16LE(NLA_HDRLEN + valueLen, 0);
  b.writeUInt16LE(type & 0xffff, 2);
  return b;
}

/** One attribute: header, payload, zero padding to 4 bytes. Throws RangeError past 65535 bytes. */
export function attr(type: number, payload: Buffer): Buffer {
  const len = NLA_HDRLEN + payload.length;
  if (len > 0xffff) throw new RangeError(`netlink attribute ${type} too long (${len} bytes)`);
  const out = fixed(type, payload.length);
  out.set(payload, NLA_HDRLEN);
  out.fill(0, len);
  return out;
}

/** A u8 attribute. */
export function attrU8(type: number, v: number): Buffer {
  const b = fixed(type, 1);
  b.writeUInt32LE(v & 0xff, 4);
  return b;
}

/** A u16 attribute (host order). */
export function attrU16(type: number, v: number): Buffer {
  const b = fixed(type, 2);
  b.writeUInt32LE(v & 0xffff, 4);
  return b;
}

/** A u16 attribute in network byte order (ports). */
export function attrBe16(type: number, v: number): Buffer {
  const b = fixed(type, 2);
  b.writeUInt16BE(v & 0xffff, 4);
  b.writeUInt16LE(0, 6);
  return b;
}

/** A u32 attribute (host order). */
export function attrU32(type: number, v: number): Buffer {
  const b = fixed(type, 4);
  b.writeUInt32LE(v >>> 0, 4);
  return b;
}

/** A u64 attribute (host order). */
export function attrU64(type: number, v: bigint): Buffer {
  const b = fixed(type, 8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v), 4);
  return b;
}

/** A NUL-terminated string attribute (UTF-8). */
export function attrStr(type: number, s: string): Buffer {
  const ascii = s.length < 64 && /^[\x01-\x7f]*$/.test(s);
  const n = ascii ? s.length : Buffer.byteLength(s);
  const len = NLA_HDRLEN + n + 1;
  if (len > 0xffff) throw new RangeError(`netlink attribute ${type} too long (${len} bytes)`);
  const b = fixed(type, n + 1);
  if (ascii) for (let i = 0; i < n; i++) b[NLA_HDRLEN + i] = s.charCodeAt(i);
  else b.write(s, NLA_HDRLEN, 'utf8');
  b.fill(0, NLA_HDRLEN + n);
  return b;
}

/** A nested attribute holding already-encoded children; `flagNested` sets NLA_F_NESTED. */
export function attrNested(type: number, children: Buffer[], flagNested = false): Buffer {
  return attr(flagNested ? type | NLA_F_NESTED : type, Buffer.concat(children));
}

/** Attributes by type (flags masked off with NLA_TYPE_MASK); a later duplicate replaces an earlier one. */
export type AttrMap = Map<number, Buffer>;

/** One attribute as found on the wire, flags kept apart from the type. */
export interface RawAttr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  payload: Buffer;
}

/**
 * Every attribute in `buf`, in order (payloads are views, not copies). Throws NetlinkDecodeError
 * when a header is cut short, a length is below 4, or a length runs past the buffer.
 */
export function parseAttrList(buf: Buffer): RawAttr[] {
  const out: RawAttr[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLA_HDRLEN)
      throw new NetlinkDecodeError(`truncated attribute header: ${buf.length - off} bytes left`, off);
    const len = buf.readUInt16LE(off);
    const raw = buf.readUInt16LE(off + 2);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`attribute length ${len} below header size`, off);
    if (off + len > buf.length)
      throw new NetlinkDecodeError(
        `attribute length ${len} runs past the buffer (${buf.length - off} bytes left)`,
        off,
      );
    out.push({
      type: raw & NLA_TYPE_MASK,
      nested: (raw & NLA_F_NESTED) !== 0,
      netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
      payload: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off = Math.min(buf.length, off + align4(len));
  }
  return out;
}

/** The attributes in `buf` by type (see AttrMap). Throws NetlinkDecodeError on bad lengths. */
export function parseAttrs(buf: Buffer): AttrMap {
  const m: AttrMap = new Map();
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLA_HDRLEN)
      throw new NetlinkDecodeError(`truncated attribute header: ${buf.length - off} bytes left`, off);
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN) throw new NetlinkDecodeError(`attribute length ${len} below header size`, off);
    if (off + len > buf.length)
      throw new NetlinkDecodeError(
        `attribute length ${len} runs past the buffer (${buf.length - off} bytes left)`,
        off,
      );
    m.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + NLA_HDRLEN, off + len));
    off = Math.min(buf.length, off + align4(len));
  }
  return m;
}

function need(b: Buffer, n: number, what: string): void {
  if (b.length < n) throw new NetlinkDecodeError(`${what} attribute needs ${n} bytes, got ${b.length}`);
}

/** Reads a u8 payload; throws NetlinkDecodeError if empty. */
export function readU8(b: Buffer): number {
  need(b, 1, 'u8');
  return b.readUInt8(0);
}

/** Reads a host-order u16 payload; throws NetlinkDecodeError if shorter than 2 bytes. */
export function readU16(b: Buffer): number {
  need(b, 2, 'u16');
  return b.readUInt16LE(0);
}

/** Reads a network-order u16 payload (ports); throws NetlinkDecodeError if shorter than 2 bytes. */
export function readBe16(b: Buffer): number {
  need(b, 2, 'be16');
  return b.readUInt16BE(0);
}

/** Reads a host-order u32 payload; throws NetlinkDecodeError if shorter than 4 bytes. */
export function readU32(b: Buffer): number {
  need(b, 4, 'u32');
  return b.readUInt32LE(0);
}

/** Reads a host-order u64 payload; throws NetlinkDecodeError if shorter than 8 bytes. */
export function readU64(b: Buffer): bigint {
  need(b, 8, 'u64');
  return b.readBigUInt64LE(0);
}

/**
 * Reads a string payload up to its first NUL (or the end if the kernel sent none). Throws
 * NetlinkDecodeError on an empty payload (a NLA_STRING always holds at least its NUL).
 */
export function readStr(b: Buffer): string {
  need(b, 1, 'string');
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}
