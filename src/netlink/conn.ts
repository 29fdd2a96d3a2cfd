/**
 * A netlink connection: sequence numbers, matching replies to requests, ACKs, multipart dumps,
 * deadlines, and many requests per sendto. It talks to a NetlinkTransport, a dumb datagram pipe:
 * openTransport() gives the real socket, test/support/scripted-netlink.ts a function-shaped fake.
 */
import { NetlinkDecodeError, NetlinkError } from './errors.js';
import { NLMSG_ERROR, decodeMsgs, type NlMsg } from './message.js';
import { asNetlinkError, step, type Step } from './reply.js';
import { chunks, encodeBatch } from './batch.js';
import {
  AF_NETLINK,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
} from '../../native/constants.js';
import { sockaddrNl, sockaddrNlPid } from '../../native/sockaddr-nl.js';
import { NativeSocket, type SysError } from '../../native/socket.js';
import { ERRNO } from '../../native/errno.js';

/**
 * A datagram pipe to the kernel. `onDatagram`'s `multicast` is true for group deliveries
 * (notifications), which must never be taken for replies even when they echo our seq. The
 * datagram buffer may be reused once the callback returns (the connection copies what it keeps).
 * `onError` (optional) reports receive failures such as ENOBUFS (replies were lost).
 */
export interface NetlinkTransport {
  readonly pid: number;
  send(datagram: Buffer): void;
  onDatagram(cb: (d: Buffer, truncated: boolean, multicast?: boolean) => void): void;
  onError?(cb: (e: Error & { errno?: number; code?: string }) => void): void;
  close(): void;
}

/**
 * One request. `op` names it in errors and is read only when an error is built (it may be a
 * getter, so batches of 10,000s need not hold 10,000s of names); `dump` asks for a multipart
 * answer (REQUEST|DUMP, no ACK).
 */
export interface NlRequest {
  type: number;
  flags?: number;
  payload: Buffer;
  readonly op: string;
  dump?: boolean;
}

/** The outcome of one request of a batch. */
export type BatchResult = { ok: true; replies: NlMsg[] } | { ok: false; error: NetlinkError };

/** The result of every request answered by a bare ACK (batches of writes get 10,000s). */
const ACKED: BatchResult = Object.freeze({ ok: true, replies: Object.freeze([]) as unknown as NlMsg[] });

/** A request waiting for its answer; its name is read from the request only for an error. */
class Pending {
  readonly dump: boolean;
  readonly replies: NlMsg[] = [];
  /** Takes each data reply instead of `replies` (see `dump`). */
  keep?: (m: NlMsg) => void;

  constructor(
    readonly seq: number,
    private readonly req: NlRequest,
    /** Position in its batch (0 for a single request). */
    readonly index: number,
    readonly settle: (err: Error | null, replies: NlMsg[], p: Pending) => void,
  ) {
    this.dump = req.dump === true;
  }

  get op(): string {
    return this.req.op;
  }
}

const { ETIMEDOUT, EMSGSIZE, ENOBUFS, ECANCELED, EBADMSG } = ERRNO;
const DUMP_RETRIES = 2;
const YIELD_MS = 4;

/** A netlink connection over one transport; see each method for its promise. */
export class NetlinkConnection {
  private readonly transport: NetlinkTransport;
  private readonly timeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(m: NlMsg) => void>();
  private readonly errorListeners = new Set<(e: NetlinkError) => void>();
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private closed = false;
  private turn = performance.now();

  /** Wraps a transport; `timeoutMs` (default 5000) is the deadline of a request without its own. */
  constructor(transport: NetlinkTransport, opts: { timeoutMs?: number } = {}) {
    this.transport = transport;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    transport.onDatagram((d, truncated, multicast) => this.onDatagram(d, truncated, multicast === true));
    transport.onError?.((e) => this.onTransportFailure(e));
  }

  private onTransportFailure(e: Error & { errno?: number }): void {
    const errno = e.errno ?? ENOBUFS;
    this.failAll((op) => new NetlinkError(errno, op, `receive failed: ${e.message}`));
    const err = new NetlinkError(errno, 'recvmsg', 'messages were lost (notifications included): resynchronise');
    this.errorListeners.forEach((cb) => safely(() => cb(err)));
  }

  /** Opens a real socket for `protocol` (NETLINK_ROUTE, NETLINK_GENERIC, ...), joined to `groups`. */
  static open(protocol: number, opts: { groups?: number; timeoutMs?: number } = {}): NetlinkConnection {
    return new NetlinkConnection(openTransport(protocol, opts.groups ?? 0), { timeoutMs: opts.timeoutMs });
  }

  /**
   * Sends one request and resolves with its data replies: for a dump, every part up to NLMSG_DONE
   * (retried up to twice if the kernel flags the dump as interrupted by a concurrent change); else the
   * messages before the ACK. Rejects with NetlinkError (errno name + `op`; 'ETIMEDOUT' at the
   * deadline; 'EMSGSIZE' if a reply was truncated) or NetlinkDecodeError on a malformed reply.
   */
  async request(req: NlRequest, opts: { timeoutMs?: number } = {}): Promise<NlMsg[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(req, opts.timeoutMs ?? this.timeoutMs);
      } catch (e) {
        if (!(req.dump && e instanceof NetlinkError && e.code === 'EINTR' && attempt < DUMP_RETRIES)) throw e;
      }
    }
  }

  /**
   * A dump whose parts are decoded as they arrive: `decode` gets each data message as a view into
   * the receive buffer (valid only during the call) and its results are collected, so no copy of
   * the raw replies is kept (a 10,000-destination dump is ~3 MB of them). Retried like `request`
   * (each attempt starts a new list). Rejects like `request`; an exception thrown by `decode`
   * fails the dump with that exception.
   */
  async dump<T>(req: NlRequest, decode: (m: NlMsg) => T, opts: { timeoutMs?: number } = {}): Promise<T[]> {
    for (let attempt = 0; ; attempt++) {
      const out: T[] = [];
      try {
        await this.requestOnce(
          { ...req, dump: true },
          opts.timeoutMs ?? this.timeoutMs,
          (m) => void out.push(decode(m)),
        );
        return out;
      } catch (e) {
        if (!(e instanceof NetlinkError && e.code === 'EINTR' && attempt < DUMP_RETRIES)) throw e;
      }
    }
  }

  private requestOnce(req: NlRequest, timeoutMs: number, keep?: (m: NlMsg) => void): Promise<NlMsg[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.expire([p], timeoutMs), timeoutMs);
      const p = this.track(req, 0, (err, replies) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(replies);
      });
      p.keep = keep;
      this.sendChunk([req], [p]);
    });
  }

  /**
   * Sends many requests, `perSend` (default 100) per sendto and at most 32 KiB per datagram, waiting
   * for each datagram's answers before the next. Dumps go alone. Resolves (never rejects) with one
   * result per request, in order: its data replies, or its own NetlinkError (a malformed reply
   * becomes code 'EBADMSG'). The deadline applies per datagram.
   */
  async batch(reqs: NlRequest[], opts: { timeoutMs?: number; perSend?: number } = {}): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (const chunk of chunks(reqs, Math.max(1, opts.perSend ?? 100))) {
      results.push(...(await this.batchChunk(chunk, opts.timeoutMs ?? this.timeoutMs)));
    }
    return results;
  }

  private batchChunk(reqs: NlRequest[], timeoutMs: number): Promise<BatchResult[]> {
    return new Promise((resolve) => {
      const out = new Array<BatchResult>(reqs.length);
      let left = reqs.length;
      const timer = setTimeout(() => this.expire(ps, timeoutMs), timeoutMs);
      const settle = (err: Error | null, replies: NlMsg[], p: Pending): void => {
        out[p.index] = err
          ? { ok: false, error: asNetlinkError(err, p.op) }
          : replies.length === 0
            ? ACKED
            : { ok: true, replies };
        if (--left > 0) return;
        clearTimeout(timer);
        resolve(out);
      };
      const ps = reqs.map((req, i) => this.track(req, i, settle));
      this.sendChunk(reqs, ps);
    });
  }

  /** Calls `cb` for every multicast message and every message not answering a request of ours; returns an unsubscribe. */
  onNotification(cb: (m: NlMsg) => void): () => void {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  }

  /**
   * Calls `cb` when the socket lost messages (ENOBUFS: the receive queue overflowed). Pending
   * requests fail on their own; this tells notification users to re-read state. Returns an unsubscribe.
   */
  onTransportError(cb: (e: NetlinkError) => void): () => void {
    this.errorListeners.add(cb);
    return () => void this.errorListeners.delete(cb);
  }

  /** Rejects every pending request with 'ECANCELED' and closes the transport. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll((op) => new NetlinkError(ECANCELED, op, 'connection closed'));
    this.transport.close();
  }

  private nextSeq(): number {
    this.seq = this.seq >= 0xffffffff ? 1 : this.seq + 1;
    return this.seq;
  }

  private track(req: NlRequest, index: number, settle: Pending['settle']): Pending {
    const p = new Pending(this.nextSeq(), req, index, settle);
    this.pending.set(p.seq, p);
    return p;
  }

  /**
   * Answers usually arrive inside sendto (see socketTransport), so a caller awaiting request after
   * request would never give the event loop a turn. After YIELD_MS of that, the next send waits
   * for setImmediate: timers and other sockets get served at least every few milliseconds.
   */
  private sendChunk(reqs: NlRequest[], ps: Pending[]): void {
    const now = performance.now();
    if (now - this.turn < YIELD_MS) return this.sendNow(reqs, ps);
    setImmediate(() => {
      this.turn = performance.now();
      this.sendNow(reqs, ps);
    });
  }

  private sendNow(reqs: NlRequest[], ps: Pending[]): void {
    if (this.closed) return this.fail(ps, (op) => new NetlinkError(ECANCELED, op, 'connection closed'));
    try {
      this.transport.send(
        encodeBatch(
          reqs,
          ps.map((p) => p.seq),
          this.transport.pid,
        ),
      );
    } catch (e) {
      const errno = (e as { errno?: number }).errno ?? EBADMSG;
      this.fail(ps, (op) => new NetlinkError(errno, op, `send failed: ${(e as Error).message}`));
    }
  }

  private expire(ps: Pending[], ms: number): void {
    this.fail(ps, (op) => new NetlinkError(ETIMEDOUT, op, `no answer within ${ms} ms`));
  }

  private fail(ps: Pending[], err: (op: string) => Error): void {
    for (const p of ps) {
      if (this.pending.get(p.seq) !== p) continue;
      this.pending.delete(p.seq);
      p.settle(err(p.op), [], p);
    }
  }

  private failAll(err: (op: string) => Error): void {
    this.fail([...this.pending.values()], err);
  }

  private onDatagram(d: Buffer, truncated: boolean, multicast: boolean): void {
    if (truncated) {
      if (multicast) return;
      return this.failAll(
        (op) => new NetlinkError(EMSGSIZE, op, 'reply truncated: a datagram was larger than the receive buffer'),
      );
    }
    if (!multicast && this.ackOnly(d)) return;
    let msgs: NlMsg[];
    try {
      msgs = decodeMsgs(d);
    } catch (e) {
      if (multicast) return;
      return this.failAll(() => e as NetlinkDecodeError);
    }
    for (const m of msgs) this.dispatch(m, multicast);
  }

  /**
   * The common datagram is one ACK (NLMSG_ERROR, error 0) for a pending request: settle it without
   * building message objects. Returns false to take the general path for anything else.
   */
  private ackOnly(d: Buffer): boolean {
    if (d.length < 36 || d.readUInt32LE(0) !== d.length || d.readUInt16LE(4) !== NLMSG_ERROR || d.readInt32LE(16) !== 0)
      return false;
    const p = this.pending.get(d.readUInt32LE(8));
    if (!p) return false;
    this.pending.delete(p.seq);
    p.settle(null, p.replies, p);
    return true;
  }

  private dispatch(m: NlMsg, multicast: boolean): void {
    const p = multicast ? undefined : this.pending.get(m.seq);
    if (!p) {
      if (multicast || m.seq === 0) this.notify(m);
      return; // a late answer to a request that already timed out: dropped, never mis-delivered
    }
    let r: Step;
    try {
      r = step(p, m);
    } catch (e) {
      return this.fail([p], () => e as Error);
    }
    if (!r.done) return;
    this.pending.delete(p.seq);
    p.settle(r.error, r.error ? [] : p.replies, p);
  }

  private notify(view: NlMsg): void {
    if (this.listeners.size === 0) return;
    const m = { ...view, payload: Buffer.from(view.payload) }; // the datagram buffer is reused
    for (const cb of this.listeners) safely(() => cb(m));
  }
}

/** Runs a user callback; its exception surfaces as an uncaught exception, never as a failed request. */
function safely(f: () => void): void {
  try {
    f();
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

const RCVBUF = 4 * 1024 * 1024;
const RECV_MAX = 64 * 1024;
/** Datagrams per recvmmsg: one system call (and one FFI crossing) for up to this many answers. */
const RECV_BATCH = 32;

/**
 * The real transport: a non-blocking AF_NETLINK socket (the only place src/netlink touches native/)
 * bound to `groups`, with a 4 MiB receive buffer (SO_RCVBUFFORCE as root, else SO_RCVBUF up to the
 * sysctl cap), extended ACKs, capped ACKs, 64 KiB receives (32 datagrams per recvmmsg), readiness
 * from the shared poller.
 * Throws SysError if the socket cannot be made.
 */
export function openTransport(protocol: number, groups = 0): NetlinkTransport {
  const sock = NativeSocket.open(AF_NETLINK, SOCK_RAW, protocol);
  try {
    setRcvbuf(sock);
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
    sock.bind(sockaddrNl(0, groups));
  } catch (e) {
    sock.close();
    throw e;
  }
  return socketTransport(sock, sockaddrNlPid(sock.getsockname()));
}

function setRcvbuf(sock: NativeSocket): void {
  try {
    sock.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF);
  } catch {
    sock.setsockopt(SOL_SOCKET, SO_RCVBUF, RCVBUF);
  }
}

function socketTransport(sock: NativeSocket, pid: number): NetlinkTransport {
  const kernel = sockaddrNl(0, 0);
  let onError: (e: SysError) => void = () => {};
  let deliver: ((d: Buffer, truncated: boolean, multicast: boolean) => void) | null = null;
  // sockaddr_nl.nl_groups (offset 8) is non-zero only for multicast deliveries
  const each = (d: Buffer, truncated: boolean, from: Buffer): void =>
    deliver?.(d, truncated, from.length >= 12 && from.readUInt32LE(8) !== 0);
  const drain = (): void => {
    for (;;) {
      try {
        sock.drain(each, RECV_MAX, RECV_BATCH);
        return;
      } catch (e) {
        onError(e as SysError); // ENOBUFS: the kernel dropped messages for us; reading goes on
        if ((e as SysError).code !== 'ENOBUFS') return;
      }
    }
  };
  return {
    pid,
    // The kernel handles a netlink request inside sendto, so the answers are usually queued by the
    // time it returns: reading them at once saves a trip through the poller per datagram.
    send: (d) => {
      sock.sendto(d, kernel);
      if (deliver) drain();
    },
    onDatagram: (cb) => {
      deliver = cb;
      sock.onReadable(drain);
    },
    onError: (cb) => void (onError = cb),
    close: () => sock.close(),
  };
}
