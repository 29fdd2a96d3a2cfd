/**
 * Generic netlink (linux/genetlink.h): the 4-byte genlmsghdr after nlmsghdr, and the controller
 * family (GENL_ID_CTRL) used to resolve a family name such as "IPVS" to its dynamic id.
 *
 *    0       1         2              4
 *    +-------+---------+--------------+--------------------+
 *    | cmd u8| ver u8  | reserved u16 | attributes ...     |
 *    +-------+---------+--------------+--------------------+
 */
import { attrStr, parseAttrList, parseAttrs, readStr, readU16, readU32, type AttrMap } from './attributes.js';
import { NetlinkDecodeError, NetlinkError } from './errors.js';
import type { NlMsg } from './message.js';
import { ERRNO } from '../../native/errno.js';

export const GENL_HDRLEN = 4;
export const GENL_ID_CTRL = 0x10;

export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_DELFAMILY = 2;
export const CTRL_CMD_GETFAMILY = 3;

export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;

export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

/** A generic netlink payload: genlmsghdr (cmd, version, reserved 0) followed by the attributes. */
export function genlPayload(cmd: number, version: number, attrs: Buffer[]): Buffer {
  let len = GENL_HDRLEN;
  for (const a of attrs) len += a.length;
  const out = Buffer.allocUnsafe(len);
  out.writeUInt32LE(((version & 0xff) << 8) | (cmd & 0xff), 0); // cmd, version, reserved 0
  let off = GENL_HDRLEN;
  // TypedArray set, not Buffer#copy: the same bytes without copy()'s argument checks in JS
  for (const a of attrs) (out.set(a, off), (off += a.length));
  return out;
}

/** Splits a generic netlink payload. Throws NetlinkDecodeError if shorter than 4 bytes or attributes are bad. */
export function decodeGenl(payload: Buffer): { cmd: number; version: number; attrs: AttrMap } {
  if (payload.length < GENL_HDRLEN)
    throw new NetlinkDecodeError(`generic netlink payload of ${payload.length} bytes, need ${GENL_HDRLEN}`);
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), attrs: parseAttrs(payload.subarray(GENL_HDRLEN)) };
}

/** The payload of a CTRL_CMD_GETFAMILY request for `name`. */
export function getFamilyPayload(name: string): Buffer {
  return genlPayload(CTRL_CMD_GETFAMILY, 1, [attrStr(CTRL_ATTR_FAMILY_NAME, name)]);
}

/** A resolved generic netlink family. */
export interface GenlFamily {
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  mcastGroups: Map<string, number>;
}

/**
 * Decodes a CTRL_CMD_NEWFAMILY reply payload. Throws NetlinkDecodeError if it lacks a family id or
 * carries malformed attributes. Optional attributes default to 0.
 */
export function decodeFamily(payload: Buffer): GenlFamily {
  const { attrs } = decodeGenl(payload);
  const id = attrs.get(CTRL_ATTR_FAMILY_ID);
  if (id === undefined) throw new NetlinkDecodeError('CTRL_CMD_NEWFAMILY reply without CTRL_ATTR_FAMILY_ID');
  const opt = (t: number): number => {
    const v = attrs.get(t);
    return v === undefined ? 0 : readU32(v);
  };
  const mcastGroups = new Map<string, number>();
  const groups = attrs.get(CTRL_ATTR_MCAST_GROUPS);
  for (const g of groups ? parseAttrList(groups) : []) {
    const ga = parseAttrs(g.payload);
    const name = ga.get(CTRL_ATTR_MCAST_GRP_NAME);
    const gid = ga.get(CTRL_ATTR_MCAST_GRP_ID);
    if (name && gid) mcastGroups.set(readStr(name), readU32(gid));
  }
  return {
    id: readU16(id),
    version: opt(CTRL_ATTR_VERSION),
    hdrsize: opt(CTRL_ATTR_HDRSIZE),
    maxattr: opt(CTRL_ATTR_MAXATTR),
    mcastGroups,
  };
}

/** What resolveFamily needs of a connection (NetlinkConnection satisfies it). */
export interface Requester {
  request(req: { type: number; payload: Buffer; op: string }): Promise<NlMsg[]>;
}

/**
 * Resolves a generic netlink family by name over `conn` (a NETLINK_GENERIC connection). A family
 * the kernel does not have rejects with NetlinkError code 'ENOENT' (op `CTRL_CMD_GETFAMILY <name>`);
 * callers turn that into their own "not available in this kernel" message.
 */
export async function resolveFamily(conn: Requester, name: string): Promise<GenlFamily> {
  const op = `CTRL_CMD_GETFAMILY ${name}`;
  const replies = await conn.request({ type: GENL_ID_CTRL, payload: getFamilyPayload(name), op });
  const reply = replies[0];
  if (reply === undefined) throw new NetlinkError(ERRNO.ENOENT, op, 'no family in the reply');
  return decodeFamily(reply.payload);
}
