/**
 * struct msghdr / mmsghdr memory for recvmsg(2) and recvmmsg(2) (x86_64 layout), kept in native
 * memory that never moves so the kernel can write into it; internal to native/.
 *
 *  msghdr (56): name ptr 0 | namelen u32 8 | iov ptr 16 | iovlen u64 24 | control ptr 32 |
 *               controllen u64 40 | flags i32 48        mmsghdr (64) = msghdr | msg_len u32 56
 */
import { MSG_TRUNC } from './constants.js';
import * as libc from './libc.js';

/** A received datagram. `truncated` means it was longer than the buffer (and `data` holds the start). */
export interface Received {
  data: Buffer;
  from: Buffer;
  control: Buffer;
  flags: number;
  truncated: boolean;
}

/**
 * One arena for every recvmsg: JS is single-threaded and data is copied out before returning.
 * Layout: msghdr (56) | iovec (16) | name (128) | control | data. The pointers are written once per
 * (max, controlMax) shape; each call only resets the in/out lengths and flags.
 */
const MSGHDR = 56;
const IOVEC = 16;
/** Room for any sockaddr (sockaddr_storage is 128 bytes). */
export const NAME = 128;
const NAME_OFF = MSGHDR + IOVEC;
const CTL_OFF = NAME_OFF + NAME;
const NO_CONTROL = Buffer.alloc(0);

/** A prepared recvmsg arena. */
export interface Layout {
  addr: bigint;
  buf: Buffer;
  max: number;
  controlMax: number;
  dataOff: number;
}

let arena: { addr: bigint; buf: Buffer } | null = null;
let layout: Layout | null = null;

/** The recvmsg arena laid out for (max, controlMax), in/out fields reset for the next call. */
export function layoutFor(max: number, controlMax: number): Layout {
  if (layout && layout.max === max && layout.controlMax === controlMax) {
    const b = layout.buf;
    b.writeUInt32LE(NAME, 8); // msg_namelen (in/out)
    b.writeUInt32LE(controlMax, 40); // msg_controllen (in/out), high half stays 0
    b.writeInt32LE(0, 48); // msg_flags
    return layout;
  }
  const size = CTL_OFF + controlMax + max;
  if (!arena || arena.buf.length < size) arena = libc.nativeBuffer(Math.max(size, 256 * 1024));
  layout = { addr: arena.addr, buf: arena.buf, max, controlMax, dataOff: CTL_OFF + controlMax };
  writeMsghdr(layout);
  return layout;
}

/**
 * The recvmmsg arena: the kernel walks a contiguous array of struct mmsghdr (msghdr 56 + msg_len 4
 * + pad 4), so: mmsghdr[count] | iovec[count] (16) | name[count] (128) | data[count] (`max` each).
 * Pointers are written once per shape; each call resets the in/out fields.
 */
/** sizeof(struct mmsghdr) on x86_64. */
export const MMSGHDR = 64;

/** A prepared recvmmsg arena of `count` slots. */
export interface Vector {
  addr: bigint;
  buf: Buffer;
  max: number;
  count: number;
}

let vector: Vector | null = null;

const iovOff = (v: Vector, i: number): number => v.count * MMSGHDR + i * IOVEC;
const nameOff = (v: Vector, i: number): number => v.count * (MMSGHDR + IOVEC) + i * NAME;
const dataOff = (v: Vector, i: number): number => v.count * (MMSGHDR + IOVEC + NAME) + i * v.max;

/** The recvmmsg arena for (max, count), in/out fields reset for the next call. */
export function vectorFor(max: number, count: number): Vector {
  if (!vector || vector.max !== max || vector.count !== count) {
    const mem = libc.nativeBuffer(count * (MMSGHDR + IOVEC + NAME + max));
    vector = { addr: mem.addr, buf: mem.buf, max, count };
    for (let i = 0; i < count; i++) writeSlot(vector, i);
  }
  for (let i = 0; i < count; i++) {
    vector.buf.writeUInt32LE(NAME, i * MMSGHDR + 8); // msg_namelen (in/out)
    vector.buf.writeInt32LE(0, i * MMSGHDR + 48); // msg_flags
  }
  return vector;
}

function writeSlot(v: Vector, i: number): void {
  const o = i * MMSGHDR;
  const b = v.buf;
  b.writeBigUInt64LE(v.addr + BigInt(nameOff(v, i)), o); // msg_name
  b.writeBigUInt64LE(BigInt(NAME), o + 8); // msg_namelen + pad
  b.writeBigUInt64LE(v.addr + BigInt(iovOff(v, i)), o + 16); // msg_iov
  b.writeBigUInt64LE(1n, o + 24); // msg_iovlen
  b.writeBigUInt64LE(0n, o + 32); // msg_control: none
  b.writeBigUInt64LE(0n, o + 40); // msg_controllen
  b.writeBigInt64LE(0n, o + 48); // msg_flags + pad
  b.writeBigInt64LE(0n, o + 56); // msg_len + pad
  b.writeBigUInt64LE(v.addr + BigInt(dataOff(v, i)), iovOff(v, i)); // iov_base
  b.writeBigUInt64LE(BigInt(v.max), iovOff(v, i) + 8); // iov_len
}

/** Hands slot `i` to `cb` as views into the arena (valid only during the call). */
export function viewSlot(v: Vector, i: number, cb: (data: Buffer, truncated: boolean, from: Buffer) => void): void {
  const o = i * MMSGHDR;
  const b = v.buf;
  const n = b.readUInt32LE(o + 56);
  const name = nameOff(v, i);
  const data = dataOff(v, i);
  const from = b.subarray(name, name + Math.min(b.readUInt32LE(o + 8), NAME));
  cb(b.subarray(data, data + Math.min(n, v.max)), (slotFlags(v, i) & MSG_TRUNC) !== 0 || n > v.max, from);
}

/** Slot `i` as a Received with copied buffers (viewSlot's views, copied). */
export function readSlot(v: Vector, i: number): Received {
  let r: Received | undefined;
  viewSlot(v, i, (data, truncated, from) => {
    r = { data: Buffer.from(data), from: Buffer.from(from), control: NO_CONTROL, flags: slotFlags(v, i), truncated };
  });
  return r!;
}

function slotFlags(v: Vector, i: number): number {
  return v.buf.readInt32LE(i * MMSGHDR + 48); // msg_flags
}

function writeMsghdr(l: Layout): void {
  const b = l.buf;
  b.writeBigUInt64LE(l.addr + BigInt(NAME_OFF), 0); // msg_name
  b.writeBigUInt64LE(BigInt(NAME), 8); // msg_namelen (u32) + padding
  b.writeBigUInt64LE(l.addr + BigInt(MSGHDR), 16); // msg_iov
  b.writeBigUInt64LE(1n, 24); // msg_iovlen
  b.writeBigUInt64LE(l.controlMax ? l.addr + BigInt(CTL_OFF) : 0n, 32); // msg_control
  b.writeBigUInt64LE(BigInt(l.controlMax), 40); // msg_controllen
  b.writeBigInt64LE(0n, 48); // msg_flags + padding
  b.writeBigUInt64LE(l.addr + BigInt(l.dataOff), MSGHDR); // iov_base
  b.writeBigUInt64LE(BigInt(l.max), MSGHDR + 8); // iov_len
}

/** The recvmsg result in `l` for a call that returned `n`, with copied buffers. */
export function readResult(l: Layout, n: number): Received {
  const b = l.buf;
  const flags = b.readInt32LE(48);
  const nameLen = Math.min(b.readUInt32LE(8), NAME);
  const ctlLen = Math.min(b.readUInt32LE(40), l.controlMax);
  return {
    data: Buffer.from(b.subarray(l.dataOff, l.dataOff + Math.min(n, l.max))),
    from: Buffer.from(b.subarray(NAME_OFF, NAME_OFF + nameLen)),
    control: ctlLen ? Buffer.from(b.subarray(CTL_OFF, CTL_OFF + ctlLen)) : NO_CONTROL,
    flags,
    truncated: (flags & MSG_TRUNC) !== 0 || n > l.max,
  };
}
