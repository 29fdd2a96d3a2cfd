/**
 * Packing requests into datagrams for NetlinkConnection.batch (pure): how many per sendto, and the
 * bytes of one datagram holding several requests back to back.
 */
import { align4 } from './attributes.js';
import { NLMSG_HDRLEN, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, writeHeader } from './message.js';

/** The largest datagram a batch sends (the kernel's netlink skb for a request is bounded too). */
export const DATAGRAM_MAX = 32 * 1024;

/** What encodeBatch needs of a request. */
export interface BatchItem {
  type: number;
  flags?: number;
  payload: Buffer;
  dump?: boolean;
}

/** Splits requests into sendto-sized groups: at most `per` requests and 32 KiB; a dump alone. */
export function chunks<T extends BatchItem>(reqs: T[], per: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const r of reqs) {
    const size = align4(NLMSG_HDRLEN + r.payload.length);
    const full = cur.length >= per || (cur.length > 0 && bytes + size > DATAGRAM_MAX);
    if (cur.length > 0 && (full || r.dump || cur[0].dump)) {
      out.push(cur);
      [cur, bytes] = [[], 0];
    }
    cur.push(r);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Encodes requests back to back into one datagram, with their seqs, REQUEST|ACK or REQUEST|DUMP. */
export function encodeBatch(reqs: BatchItem[], seqs: number[], pid: number): Buffer {
  let total = 0;
  for (const r of reqs) total += align4(NLMSG_HDRLEN + r.payload.length);
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  reqs.forEach((r, i) => {
    const len = NLMSG_HDRLEN + r.payload.length;
    const flags = (r.flags ?? 0) | NLM_F_REQUEST | (r.dump ? NLM_F_DUMP : NLM_F_ACK);
    writeHeader(out, off, len, { type: r.type, flags, seq: seqs[i], pid });
    r.payload.copy(out, off + NLMSG_HDRLEN);
    out.fill(0, off + len, off + align4(len));
    off += align4(len);
  });
  return out;
}
