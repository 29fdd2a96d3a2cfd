/**
 * Short-lived TCP connections for health probes, over raw libc calls and one shared epoll set
 * (epoll.ts). A connect-only probe costs five system calls: socket(NONBLOCK|CLOEXEC) → connect
 * (EINPROGRESS) → epoll_ctl ADD → [ready in a batched epoll_wait] → setsockopt(SO_LINGER 0) → close
 * (a RST: no TIME_WAIT), plus bind with a source address and getsockopt(SO_ERROR) only when epoll
 * reports an error. A handshake that completed counts as connected even when the peer's reset is in
 * by then. Dumb on purpose: bytes in, bytes out, errno names; matching replies is the
 * checker's job (src/health/tcp.ts). Nothing here blocks: every call is non-blocking.
 *
 * Reused sockets (`idleSockets` > 0), for connect-only connections without a source address: the
 * same socket connects again after connect(AF_UNSPEC), which resets an established connection (the
 * RST of SO_LINGER 0, on the wire the same), aborts a handshake in progress and frees the port; the
 * next connect clears the error the reset left. Registered once, armed per connection with
 * EPOLLONESHOT under a new tag (so nothing of its last use is delivered, and an idle socket reports
 * nothing): connect → epoll_ctl MOD → [epoll_wait] → connect(AF_UNSPEC), no socket to allocate or
 * free. ~30 % less CPU per probe on loopback, where the kernel runs both ends of every handshake
 * (bench/results/tcp-reuse.md). The socket-per-connection path above is the reference it is
 * property-tested against (test/host/native/tcp-connect.test.ts).
 */
import {
  AF_INET,
  AF_INET6,
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDHUP,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SO_ERROR,
  SO_LINGER,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
} from './constants.js';
import { EpollSet } from './epoll.js';
import type { SysError } from './socket.js';
import * as libc from './libc.js';
import { sockaddrIn, sockaddrIn6 } from './sockaddr.js';
import { ERRNO, errnoName } from './errno.js';

const { EAGAIN, ECONNRESET, EINPROGRESS, EINTR, EPIPE } = ERRNO;

/** What a connection reports. Each callback runs on the main thread from the shared epoll batch. */
export interface TcpConnHandler {
  /** The handshake completed (send with `send`, or `close` the connection). */
  connected(): void;
  /** Bytes arrived; `bytes` is a view into a shared buffer, valid only during the call. */
  data(bytes: Buffer): void;
  /** The peer closed its side; the connection is already closed. */
  end(): void;
  /** A system call failed with errno `code` ("ECONNREFUSED"); the connection is already closed. */
  failed(syscall: string, code: string): void;
}

/** A connect target as bytes: build it once per target with `tcpEndpoints`. */
export interface TcpEndpoints {
  /** struct sockaddr_in or sockaddr_in6 of the peer (its length tells the family). */
  peer: Buffer;
  /** struct sockaddr of the local source address (port 0), same family, if any. */
  source?: Buffer;
}

/**
 * Socket addresses of a probe: `address` (IPv4, IPv6, or IPv6 with "%scope" as a name or an index)
 * and `port`, and the optional source address `bindto` (port 0). Throws TypeError naming a bad address.
 */
export function tcpEndpoints(address: string, port: number, bindto?: string): TcpEndpoints {
  return { peer: sockaddrFor(address, port), source: bindto === undefined ? undefined : sockaddrFor(bindto, 0) };
}

function sockaddrFor(address: string, port: number): Buffer {
  if (!address.includes(':')) return sockaddrIn(address, port);
  const [ip, scope] = address.split('%');
  if (scope === undefined || scope === '') return sockaddrIn6(ip, port);
  const index = /^\d+$/.test(scope) ? Number(scope) : (libc.ifNameToIndex(scope) as number);
  if (!index) throw new TypeError(`unknown interface "${scope}" in ${JSON.stringify(address)}`);
  return sockaddrIn6(ip, port, index);
}

const LINGER_RST = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]); // struct linger { l_onoff 1, l_linger 0 }
/** struct sockaddr with sa_family AF_UNSPEC: connect() to it disconnects a TCP socket. */
const UNSPEC = Buffer.alloc(16);
/** phase bits: the socket is reused (returned to the idle list, not closed); its family is IPv6. */
const REUSED = 16;
const V6 = 32;
const FD_SPACE = 2 ** 21;
const READ_CHUNK = 64 * 1024;
const ERR_BITS = EPOLLERR | EPOLLHUP;
const READ_BITS = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;

/** Thrown by `open` when the connection fails before any waiting (socket, bind, connect at once). */
export class TcpOpenError extends Error {
  /** Errno name, e.g. "EADDRNOTAVAIL". */
  readonly code: string;
  /** The call that failed: "socket", "bind", "connect" or "epoll_ctl". */
  readonly syscall: string;

  constructor(syscall: string, errno: number) {
    const code = errnoName(errno);
    super(`${syscall} ${code}`);
    this.name = 'TcpOpenError';
    this.code = code;
    this.syscall = syscall;
  }
}

/** Options of a TcpConnector. */
export interface TcpConnectorOptions {
  /**
   * Idle sockets kept per address family for connect-only connections without a source address (see
   * the header); 0 (the default): every connection opens and closes its own socket.
   */
  idleSockets?: number;
}

/** Opens and drives non-blocking TCP connections; each is named by an id returned from `open`. */
export class TcpConnector {
  private readonly epoll: EpollSet;
  private readonly idleMax: number;
  /** Idle reusable sockets, IPv4 and IPv6. */
  private readonly idle: [number[], number[]] = [[], []];
  private handlers: Array<TcpConnHandler | undefined> = [];
  private ids: number[] = [];
  /**
   * Per fd: 0 connecting, 1 connected; bit 2 set when the caller wants replies read; bit 3 set while
   * the peer's reset is being reported (send holds nothing: the socket is gone); REUSED, V6 (above).
   */
  private phase = new Uint8Array(1024);
  private pending: Array<Buffer | undefined> = [];
  private serial = 0;
  private readonly readBuf = Buffer.alloc(READ_CHUNK);
  private readonly errBuf = Buffer.alloc(4);
  private readonly lenBuf = Buffer.alloc(4);

  /** Creates the shared epoll set (throws SysError if the kernel refuses). */
  constructor(opts: TcpConnectorOptions = {}) {
    this.idleMax = Math.max(0, Math.floor(opts.idleSockets ?? 0));
    this.epoll = new EpollSet((fd, ev) => this.ready(fd, ev));
  }

  /**
   * Starts a connection to `ep.peer` (bound to `ep.source` first, if set). `read`: also deliver
   * bytes the peer sends (data/end). Returns the connection's id. Throws TcpOpenError for a failure
   * before any waiting (EMFILE, EADDRNOTAVAIL from bind, ENETUNREACH...), with the fd already closed.
   */
  open(ep: TcpEndpoints, handler: TcpConnHandler, read: boolean): number {
    if (this.idleMax > 0 && !read && !ep.source) return this.openReused(ep, handler);
    const fd = libc.socket(
      ep.peer.length > 16 ? AF_INET6 : AF_INET,
      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
      0,
    ) as number;
    if (fd < 0) throw new TcpOpenError('socket', libc.errno());
    if (ep.source && (libc.bind(fd, ep.source, ep.source.length) as number) < 0) this.abandon(fd, 'bind');
    if ((libc.connect(fd, ep.peer, ep.peer.length) as number) < 0) {
      const e = libc.errno();
      if (e !== EINPROGRESS && e !== EINTR) this.abandon(fd, 'connect', e);
    }
    try {
      // edge-triggered: a handler that leaves a connection open is not called again and again
      this.epoll.add(fd, read ? EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET : EPOLLOUT | EPOLLET);
    } catch (e) {
      this.abandon(fd, 'epoll_ctl', (e as SysError).errno);
    }
    return this.track(fd, handler, read ? 4 : 0);
  }

  /** `open` on an idle socket of the peer's family (a new one if none is idle). */
  private openReused(ep: TcpEndpoints, handler: TcpConnHandler): number {
    const v6 = ep.peer.length > 16 ? 1 : 0;
    let fd = this.idle[v6].pop();
    if (fd === undefined) {
      fd = libc.socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
      if (fd < 0) throw new TcpOpenError('socket', libc.errno());
      try {
        this.epoll.add(fd, 0); // armed per connection below
      } catch (e) {
        this.abandon(fd, 'epoll_ctl', (e as SysError).errno);
      }
    }
    if ((libc.connect(fd, ep.peer, ep.peer.length) as number) < 0) {
      const e = libc.errno();
      if (e !== EINPROGRESS && e !== EINTR) this.abandon(fd, 'connect', e);
    }
    try {
      this.epoll.rearm(fd, EPOLLOUT | EPOLLONESHOT);
    } catch (e) {
      this.abandon(fd, 'epoll_ctl', (e as SysError).errno);
    }
    return this.track(fd, handler, REUSED | (v6 ? V6 : 0));
  }

  private track(fd: number, handler: TcpConnHandler, phase: number): number {
    this.grow(fd);
    this.handlers[fd] = handler;
    this.phase[fd] = phase;
    const id = (++this.serial % 2 ** 31) * FD_SPACE + fd;
    this.ids[fd] = id;
    return id;
  }

  /**
   * Sends `bytes` on a connected connection (what the socket does not take at once is sent when it
   * is writable again). A failure closes the connection and reports `failed("send", code)`.
   * Does nothing for an id that is already closed, or whose peer reset it already (`connected` was
   * called for a handshake the peer reset at once; the reset is reported right after it).
   */
  send(id: number, bytes: Buffer): void {
    const fd = this.fdOf(id);
    if (fd < 0 || this.phase[fd] & 8) return;
    this.pending[fd] = bytes;
    this.flush(fd);
  }

  /**
   * Closes the connection; `reset` (after a connect) closes with SO_LINGER 0 so the peer gets a RST
   * and no TIME_WAIT is left here. Idempotent: an id already closed (or reused) is ignored.
   */
  close(id: number, reset: boolean): void {
    const fd = this.fdOf(id);
    if (fd >= 0) this.release(fd, reset && (this.phase[fd] & 1) === 1);
  }

  /** Number of open connections (for tests and leak checks). */
  get openCount(): number {
    return this.handlers.reduce((n, h) => n + (h ? 1 : 0), 0);
  }

  /** Idle sockets kept for reuse (for tests). */
  get idleCount(): number {
    return this.idle[0].length + this.idle[1].length;
  }

  /** Closes every connection (no callbacks), the idle sockets and the epoll set. */
  shutdown(): void {
    for (let fd = 0; fd < this.handlers.length; fd++) if (this.handlers[fd]) this.release(fd, false);
    for (const list of this.idle) for (const fd of list.splice(0)) libc.close(fd);
    this.epoll.close();
  }

  private fdOf(id: number): number {
    const fd = id % FD_SPACE;
    return this.ids[fd] === id && this.handlers[fd] ? fd : -1;
  }

  private ready(fd: number, ev: number): void {
    const h = this.handlers[fd];
    if (!h) return;
    if ((this.phase[fd] & 1) === 0) {
      let reset = 0;
      if (ev & ERR_BITS) {
        // The kernel's error tells a failed handshake (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...)
        // from a reset that came after it completed (ECONNRESET; EPIPE after the peer's FIN): a
        // server that accepts and resets at once often does so before this batch runs.
        reset = this.soError(fd);
        // (0, an error bit with no error kept, stays a failed connect as it always was)
        if (reset !== ECONNRESET && reset !== EPIPE) return this.fail(fd, h, 'connect', reset || ECONNRESET);
        this.phase[fd] |= 8;
      } else if (!(ev & EPOLLOUT)) {
        if (this.phase[fd] & REUSED) this.epoll.modify(fd, EPOLLOUT | EPOLLONESHOT); // (one shot spent)
        return;
      }
      this.phase[fd] |= 1;
      h.connected();
      if (this.handlers[fd] !== h) return;
      if (reset) return this.phase[fd] & 4 ? this.readAll(fd, h, reset) : this.fail(fd, h, 'read', reset);
    } else if (ev & EPOLLOUT && this.pending[fd]) {
      this.flush(fd);
      if (this.handlers[fd] !== h) return;
    }
    if (this.phase[fd] & 4 && ev & READ_BITS) this.readAll(fd, h);
  }

  /**
   * Reads until EAGAIN (the registration is edge-triggered), delivering each chunk. `reset`: errno of
   * a reset already taken from SO_ERROR; the bytes queued before it are delivered, then it is reported.
   */
  private readAll(fd: number, h: TcpConnHandler, reset = 0): void {
    for (;;) {
      const n = Number(libc.read(fd, this.readBuf, READ_CHUNK));
      if (n > 0) {
        h.data(this.readBuf.subarray(0, n));
        if (this.handlers[fd] !== h) return;
        continue;
      }
      if (reset) return this.fail(fd, h, 'read', reset);
      if (n === 0) {
        this.release(fd, false);
        return h.end();
      }
      const e = libc.errno();
      if (e === EAGAIN) return;
      if (e !== EINTR) return this.fail(fd, h, 'read', e);
    }
  }

  private flush(fd: number): void {
    const data = this.pending[fd];
    if (!data) return;
    const n = Number(libc.send(fd, data, data.length, MSG_DONTWAIT | MSG_NOSIGNAL));
    if (n >= data.length) this.pending[fd] = undefined;
    else if (n >= 0) this.pending[fd] = data.subarray(n);
    else if (libc.errno() !== EAGAIN) this.fail(fd, this.handlers[fd]!, 'send', libc.errno());
  }

  private soError(fd: number): number {
    this.lenBuf.writeUInt32LE(4, 0);
    if ((libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, this.errBuf, this.lenBuf) as number) < 0) return libc.errno();
    return this.errBuf.readInt32LE(0);
  }

  private fail(fd: number, h: TcpConnHandler, syscall: string, errno: number): void {
    this.release(fd, false);
    h.failed(syscall, errnoName(errno));
  }

  private release(fd: number, reset: boolean): void {
    if (this.phase[fd] & REUSED) return this.recycle(fd);
    if (reset) libc.setsockopt(fd, SOL_SOCKET, SO_LINGER, LINGER_RST, LINGER_RST.length);
    this.closeFd(fd);
    this.handlers[fd] = undefined;
    this.pending[fd] = undefined;
  }

  /**
   * Disconnects a reused socket (a RST if it was connected) and keeps it idle, or closes it when the
   * idle list is full or the disconnect failed.
   */
  private recycle(fd: number): void {
    this.handlers[fd] = undefined;
    this.pending[fd] = undefined;
    const list = this.idle[this.phase[fd] & V6 ? 1 : 0];
    this.phase[fd] = 0;
    if (list.length < this.idleMax && (libc.connect(fd, UNSPEC, UNSPEC.length) as number) === 0) list.push(fd);
    else this.closeFd(fd);
  }

  /** Closes `fd`, dropping any event still pending for it (harmless for an fd never registered). */
  private closeFd(fd: number): void {
    this.epoll.forget(fd);
    libc.close(fd);
  }

  /** Closes `fd` after a failed call and throws the failure (errno read before close). */
  private abandon(fd: number, syscall: string, errno = libc.errno()): never {
    this.closeFd(fd);
    throw new TcpOpenError(syscall, errno);
  }

  private grow(fd: number): void {
    if (fd < this.phase.length) return;
    const p = new Uint8Array(Math.max(fd + 1, this.phase.length * 2));
    p.set(this.phase);
    this.phase = p;
  }
}
