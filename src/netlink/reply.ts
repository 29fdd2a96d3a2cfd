/**
 * What one reply message means for the request it answers (pure): more to come, or finished with
 * a result. NetlinkConnection owns the bookkeeping; this owns the netlink rules.
 *
 *  - NLMSG_ERROR with error 0 is the ACK (end of a non-dump request); any other error fails it.
 *  - NLMSG_DONE ends a dump; its int payload may carry a negative errno; NLM_F_DUMP_INTR on it or
 *    on any part means the dump raced a change and must be redone (code 'EINTR').
 *  - NLMSG_NOOP is skipped; NLMSG_OVERRUN fails with 'ENOBUFS'.
 *  - Anything else is data, appended (copied: the datagram buffer is reused) to `replies`.
 */
import { ERRNO } from '../../native/errno.js';
import { NetlinkError } from './errors.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLM_F_DUMP_INTR,
  decodeError,
  type NlMsg,
} from './message.js';

const { EINTR, ENOBUFS, EBADMSG } = ERRNO;
const INTERRUPTED = 'dump interrupted by a concurrent change (NLM_F_DUMP_INTR)';

/** The request a reply is applied to. */
export interface Awaiting {
  readonly op: string;
  dump: boolean;
  /** Data replies, copied (the datagram buffer is reused), unless `keep` takes them. */
  replies: NlMsg[];
  /** If set, gets each data reply as a view valid only during the call, and nothing is copied. */
  keep?: (m: NlMsg) => void;
}

/** Not finished yet, or finished with `error` (null = success; the data is in `replies`). */
export type Step = { done: false } | { done: true; error: NetlinkError | null };

const MORE: Step = { done: false };
const OK: Step = { done: true, error: null };
const fail = (error: NetlinkError): Step => ({ done: true, error });

/** Applies reply `m` to `p`. Throws NetlinkDecodeError if an NLMSG_ERROR is malformed. */
export function step(p: Awaiting, m: NlMsg): Step {
  switch (m.type) {
    case NLMSG_NOOP:
      return MORE;
    case NLMSG_OVERRUN:
      return fail(new NetlinkError(ENOBUFS, p.op, 'NLMSG_OVERRUN'));
    case NLMSG_ERROR:
      return onError(p, m);
    case NLMSG_DONE:
      if (p.dump) return onDone(p, m);
  }
  if (p.dump && m.flags & NLM_F_DUMP_INTR) return fail(new NetlinkError(EINTR, p.op, INTERRUPTED));
  if (p.keep) p.keep(m);
  else p.replies.push({ ...m, payload: Buffer.from(m.payload) });
  return MORE;
}

function onError(p: Awaiting, m: NlMsg): Step {
  if (m.payload.length >= 20 && m.payload.readInt32LE(0) === 0) return OK; // an ACK: nothing to decode
  const e = decodeError(m.payload, m.flags);
  return e.errno === 0 ? OK : fail(new NetlinkError(e.errno, p.op, e.extack?.msg));
}

function onDone(p: Awaiting, m: NlMsg): Step {
  const status = m.payload.length >= 4 ? m.payload.readInt32LE(0) : 0;
  if (status < 0) return fail(new NetlinkError(-status, p.op));
  if (m.flags & NLM_F_DUMP_INTR) return fail(new NetlinkError(EINTR, p.op, INTERRUPTED));
  return OK;
}

/** `e` as a NetlinkError for a batch result: a decode error becomes code 'EBADMSG' with its message. */
export function asNetlinkError(e: Error, op: string): NetlinkError {
  return e instanceof NetlinkError ? e : new NetlinkError(EBADMSG, op, e.message);
}
