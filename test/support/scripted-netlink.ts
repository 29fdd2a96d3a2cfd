/**
 * A scripted netlink transport: the function-shaped test seam (like mdlayher's nltest.Dial). Every
 * request the connection sends is decoded, recorded in `sent`, and handed to `handler`; whatever the
 * handler returns is delivered back asynchronously, as the kernel would after sendto. NlMsg[] become
 * ONE datagram (messages back to back); Buffer[] are delivered as given, one datagram each (use them
 * for dumps across several datagrams, garbage, or hand-made bytes).
 */
import type { NetlinkTransport } from '../../src/netlink/conn.js';
import { attr, attrU32 } from '../../src/netlink/attributes.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  decodeMsgs,
  encodeMsg,
  type NlMsg,
} from '../../src/netlink/message.js';

/** The scripted transport, with what was sent and hooks to push unsolicited datagrams. */
export interface ScriptedTransport extends NetlinkTransport {
  /** Every request message received, in order. */
  sent: NlMsg[];
  /** Raw datagrams as sent (one per sendto). */
  datagrams: Buffer[];
  /** Delivers a datagram as if the kernel sent it (a notification, garbage, a truncated reply). */
  inject(d: Buffer | NlMsg[], opts?: { truncated?: boolean; multicast?: boolean }): void;
  /** Simulates a receive error such as ENOBUFS. */
  failReceive(code: string, errno: number): void;
  closed: boolean;
}

/** Port id the scripted transport pretends the kernel gave it. */
export const SCRIPTED_PID = 4242;

/** A transport answering each request with `handler(req)`; see the module comment. */
export function scriptedTransport(handler: (req: NlMsg) => NlMsg[] | Buffer[]): ScriptedTransport {
  let deliver: (d: Buffer, truncated: boolean, multicast?: boolean) => void = () => {};
  let onError: (e: Error & { errno?: number; code?: string }) => void = () => {};
  const t: ScriptedTransport = {
    pid: SCRIPTED_PID,
    sent: [],
    datagrams: [],
    closed: false,
    send(datagram) {
      if (t.closed) throw Object.assign(new Error('sendto: EBADF'), { errno: 9, code: 'EBADF' });
      t.datagrams.push(datagram);
      const out: Buffer[] = [];
      for (const req of decodeMsgs(datagram)) {
        t.sent.push(req);
        out.push(...toDatagrams(handler(req)));
      }
      setImmediate(() => out.forEach((d) => !t.closed && deliver(d, false, false)));
    },
    onDatagram: (cb) => void (deliver = cb),
    onError: (cb) => void (onError = cb),
    inject(d, opts = {}) {
      const buf = Buffer.isBuffer(d) ? d : Buffer.concat(d.map(encodeMsg));
      setImmediate(() => deliver(buf, opts.truncated === true, opts.multicast === true));
    },
    failReceive(code, errno) {
      setImmediate(() => onError(Object.assign(new Error(`recvmsg: ${code}`), { code, errno })));
    },
    close: () => void (t.closed = true),
  };
  return t;
}

function toDatagrams(r: NlMsg[] | Buffer[]): Buffer[] {
  if (r.length === 0) return [];
  if (Buffer.isBuffer(r[0])) return r as Buffer[];
  return [Buffer.concat((r as NlMsg[]).map(encodeMsg))];
}

function echoedHeader(req: NlMsg): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + req.payload.length, 0);
  h.writeUInt16LE(req.type, 4);
  h.writeUInt16LE(req.flags, 6);
  h.writeUInt32LE(req.seq, 8);
  h.writeUInt32LE(req.pid, 12);
  return h;
}

/** The kernel's ACK for `req` (NLMSG_ERROR, error 0, capped as with NETLINK_CAP_ACK). */
export function ack(req: NlMsg): NlMsg {
  return errorReply(req, 0);
}

/**
 * The kernel refusing `req` with `errno` (positive), optionally with an extended-ack message and
 * offset, capped as with NETLINK_CAP_ACK.
 */
export function errorReply(req: NlMsg, errno: number, extackMsg?: string, extackOffset?: number): NlMsg {
  const err = Buffer.alloc(4);
  err.writeInt32LE(-errno);
  const tlvs: Buffer[] = [];
  if (extackMsg !== undefined) tlvs.push(attr(NLMSGERR_ATTR_MSG, Buffer.from(extackMsg + '\0')));
  if (extackOffset !== undefined) tlvs.push(attrU32(NLMSGERR_ATTR_OFFS, extackOffset));
  const flags = NLM_F_CAPPED | (tlvs.length ? NLM_F_ACK_TLVS : 0);
  return {
    type: NLMSG_ERROR,
    flags,
    seq: req.seq,
    pid: req.pid,
    payload: Buffer.concat([err, echoedHeader(req), ...tlvs]),
  };
}

/** The NLMSG_DONE that ends a dump of `req` (`status` is the int the kernel puts in it, 0 or -errno). */
export function done(req: NlMsg, status = 0): NlMsg {
  const p = Buffer.alloc(4);
  p.writeInt32LE(status);
  return { type: NLMSG_DONE, flags: NLM_F_MULTI, seq: req.seq, pid: req.pid, payload: p };
}

/** A data reply to `req` (a dump part when `multi`). */
export function reply(req: NlMsg, type: number, payload: Buffer, multi = false, extraFlags = 0): NlMsg {
  return { type, flags: (multi ? NLM_F_MULTI : 0) | extraFlags, seq: req.seq, pid: req.pid, payload };
}
