/**
 * Netlink messages (struct nlmsghdr, linux/netlink.h): pure bytes in, bytes out.
 *
 *    0          4          6           8          12         16                 len   align4(len)
 *    +----------+----------+-----------+----------+----------+------------------+-----+
 *    | len u32  | type u16 | flags u16 | seq u32  | pid u32  | payload          | pad |
 *    +----------+----------+-----------+----------+----------+------------------+-----+
 *    len = 16 + payload length. Several messages may share one datagram, each starting at a
 *    4-byte boundary. NLMSG_ERROR's payload is struct nlmsgerr: an int error (0 = ACK, else
 *    -errno), the request's header, the request's payload unless NLM_F_CAPPED, then extended-ack
 *    attributes (NLMSGERR_ATTR_*) when NLM_F_ACK_TLVS is set.
 */
import { align4, parseAttrs, readStr, readU32 } from './attributes.js';
import { NetlinkDecodeError } from './errors.js';

/** A decoded netlink message. `payload` excludes the 16-byte header and any padding. */
export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
/** Types below this are control messages (NOOP, ERROR, DONE, OVERRUN). */
export const NLMSG_MIN_TYPE = 0x10;

export const NLM_F_REQUEST = 1;
export const NLM_F_MULTI = 2;
export const NLM_F_ACK = 4;
export const NLM_F_ECHO = 8;
export const NLM_F_DUMP_INTR = 16;
export const NLM_F_DUMP_FILTERED = 32;
// GET requests
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = 0x300;
// NEW requests
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
// ACK flags (on NLMSG_ERROR)
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

// Extended ack attributes (enum nlmsgerr_attrs)
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

/** Encodes one message, padded to 4 bytes. Throws RangeError if it would exceed 4 GiB. */
export function encodeMsg(m: NlMsg): Buffer {
  const len = NLMSG_HDRLEN + m.payload.length;
  const out = Buffer.alloc(align4(len));
  writeHeader(out, 0, len, m);
  m.payload.copy(out, NLMSG_HDRLEN);
  return out;
}

/** Writes a header for a message of total length `len` at `off` (used by batch encoders). */
export function writeHeader(out: Buffer, off: number, len: number, m: Omit<NlMsg, 'payload'>): void {
  out.writeUInt32LE(len, off);
  out.writeUInt16LE(m.type & 0xffff, off + 4);
  out.writeUInt16LE(m.flags & 0xffff, off + 6);
  out.writeUInt32LE(m.seq >>> 0, off + 8);
  out.writeUInt32LE(m.pid >>> 0, off + 12);
}

/**
 * Every message in one datagram, in order (payloads are views into `datagram`). Throws
 * NetlinkDecodeError when a header is cut short or a length is below 16 or runs past the end.
 */
export function decodeMsgs(datagram: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  let off = 0;
  while (off < datagram.length) {
    const left = datagram.length - off;
    if (left < NLMSG_HDRLEN) throw new NetlinkDecodeError(`truncated netlink header: ${left} bytes left`, off);
    const len = datagram.readUInt32LE(off);
    if (len < NLMSG_HDRLEN) throw new NetlinkDecodeError(`netlink message length ${len} below header size`, off);
    if (len > left)
      throw new NetlinkDecodeError(`netlink message length ${len} runs past the datagram (${left} bytes left)`, off);
    out.push({
      type: datagram.readUInt16LE(off + 4),
      flags: datagram.readUInt16LE(off + 6),
      seq: datagram.readUInt32LE(off + 8),
      pid: datagram.readUInt32LE(off + 12),
      payload: datagram.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += Math.min(align4(len), left);
  }
  return out;
}

/** What an NLMSG_ERROR says: `errno` 0 is an ACK; `seq` is the original request's. */
export interface DecodedError {
  errno: number;
  seq: number;
  extack?: { msg?: string; offset?: number };
}

/**
 * Decodes an NLMSG_ERROR payload (`flags` are the NLMSG_ERROR message's own flags). `errno` is
 * positive (the kernel sends -errno). Throws NetlinkDecodeError if the payload is too short to hold
 * the error and the echoed header, or if the extended-ack attributes are malformed.
 */
export function decodeError(payload: Buffer, flags: number): DecodedError {
  if (payload.length < 4 + NLMSG_HDRLEN) {
    throw new NetlinkDecodeError(`NLMSG_ERROR payload of ${payload.length} bytes, need ${4 + NLMSG_HDRLEN}`);
  }
  const errno = -payload.readInt32LE(0) | 0;
  const seq = payload.readUInt32LE(4 + 8);
  const out: DecodedError = { errno, seq };
  if (!(flags & NLM_F_ACK_TLVS)) return out;
  const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(payload.readUInt32LE(4));
  if (4 + echoed > payload.length)
    throw new NetlinkDecodeError(`NLMSG_ERROR echoes ${echoed} bytes but holds ${payload.length - 4}`);
  const tlvs = parseAttrs(payload.subarray(4 + echoed));
  const msg = tlvs.get(NLMSGERR_ATTR_MSG);
  const offs = tlvs.get(NLMSGERR_ATTR_OFFS);
  if (msg === undefined && offs === undefined) return out;
  out.extack = {};
  if (msg !== undefined) out.extack.msg = readStr(msg);
  if (offs !== undefined) out.extack.offset = readU32(offs);
  return out;
}
