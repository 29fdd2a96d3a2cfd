/**
 * A non-blocking socket over raw libc calls. Dumb on purpose: bytes in, bytes out, errno as a
 * SysError. It never parses what it carries (netlink, VRRP, ARP live above it).
 */
import { ERRNO, errnoName, errnoText } from './errno.js';
import { AF_NETLINK, AF_PACKET, MSG_DONTWAIT, MSG_TRUNC, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW } from './constants.js';

export type { Received } from './msghdr.js';
import * as libc from './libc.js';
import { NAME, layoutFor, readResult, readSlot, vectorFor, viewSlot, type Received, type Vector } from './msghdr.js';
import { watchReadable, type Watch } from './poller.js';

const { EAGAIN, EPERM, EACCES } = ERRNO;

/**
 * A failed system call: `code` is the errno name ('EAGAIN', 'EPERM', ...), `syscall` the call.
 * EPERM/EACCES messages name the capability the operation needs (`cap`).
 */
export class SysError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number, opts: { cap?: string; detail?: string } = {}) {
    const code = errnoName(errno);
    const needs = (errno === EPERM || errno === EACCES) && opts.cap ? `; needs ${opts.cap} (run as root)` : '';
    super(`${syscall}${opts.detail ? ' ' + opts.detail : ''}: ${code} (${errnoText(errno)}${needs})`);
    this.name = 'SysError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}

/** A socket opened with SOCK_NONBLOCK|SOCK_CLOEXEC; see the class methods for each call. */
export class NativeSocket {
  private _fd: number;
  private readonly cap: string;
  private watch: Watch | null = null;
  private callback: (() => void) | null = null;
  private keepAlive = false;

  private constructor(fd: number, cap: string) {
    this._fd = fd;
    this.cap = cap;
  }

  /** socket(2), always non-blocking and close-on-exec. Throws SysError (EPERM names the capability). */
  static open(domain: number, type: number, protocol: number): NativeSocket {
    const cap =
      domain === AF_NETLINK ? 'CAP_NET_ADMIN' : domain === AF_PACKET || (type & 0xf) === SOCK_RAW ? 'CAP_NET_RAW' : '';
    const fd = libc.socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol) as number;
    if (fd < 0) throw new SysError('socket', libc.errno(), { cap });
    return new NativeSocket(fd, cap);
  }

  /** The file descriptor, or -1 once closed. */
  get fd(): number {
    return this._fd;
  }

  private check(ret: number, syscall: string, detail?: string): number {
    if (ret < 0) throw new SysError(syscall, libc.errno(), { cap: this.cap, detail });
    return ret;
  }

  private live(syscall: string): number {
    if (this._fd < 0) throw new SysError(syscall, ERRNO.EBADF, { detail: 'on a closed socket' });
    return this._fd;
  }

  /** bind(2) to a sockaddr (see sockaddr.ts). Throws SysError. */
  bind(addr: Buffer): void {
    this.check(libc.bind(this.live('bind'), addr, addr.length) as number, 'bind');
  }

  /** connect(2) to a sockaddr; on a datagram socket this sets the default destination. Throws SysError. */
  connect(addr: Buffer): void {
    this.check(libc.connect(this.live('connect'), addr, addr.length) as number, 'connect');
  }

  /** getsockname(2): the bound address as raw sockaddr bytes. */
  getsockname(): Buffer {
    const addr = Buffer.alloc(NAME);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(NAME);
    this.check(libc.getsockname(this.live('getsockname'), addr, len) as number, 'getsockname');
    return addr.subarray(0, Math.min(NAME, len.readUInt32LE()));
  }

  /** setsockopt(2); a number is passed as a C int. Throws SysError. */
  setsockopt(level: number, name: number, value: Buffer | number): void {
    const v = typeof value === 'number' ? intBuf(value) : value;
    this.check(
      libc.setsockopt(this.live('setsockopt'), level, name, v, v.length) as number,
      'setsockopt',
      `(level ${level}, option ${name})`,
    );
  }

  /** getsockopt(2) of a C int option. Throws SysError. */
  getsockoptInt(level: number, name: number): number {
    const v = Buffer.alloc(4);
    const len = intBuf(4);
    this.check(
      libc.getsockopt(this.live('getsockopt'), level, name, v, len) as number,
      'getsockopt',
      `(level ${level}, option ${name})`,
    );
    return v.readInt32LE();
  }

  /** sendto(2) without blocking; returns bytes sent. Throws SysError, including EAGAIN when the queue is full. */
  sendto(data: Buffer, addr?: Buffer, flags = 0): number {
    const ret = libc.sendto(
      this.live('sendto'),
      data,
      data.length,
      flags | MSG_DONTWAIT,
      addr ?? null,
      addr?.length ?? 0,
    ) as number;
    return this.check(Number(ret), 'sendto');
  }

  /**
   * recvmsg(2) without blocking: one datagram, its source address, its ancillary data, msg_flags.
   * Returns null when nothing is queued (EAGAIN). Throws SysError on any other failure.
   */
  recvmsg(max = 65536, controlMax = 0): Received | null {
    const fd = this.live('recvmsg');
    const l = layoutFor(max, controlMax);
    const n = Number(libc.recvmsg(fd, l.addr, MSG_DONTWAIT | MSG_TRUNC));
    if (n < 0) {
      const e = libc.errno();
      if (e === EAGAIN) return null;
      throw new SysError('recvmsg', e, { cap: this.cap });
    }
    return readResult(l, n);
  }

  /**
   * recvmmsg(2) without blocking: up to `count` queued datagrams in one system call (each up to
   * `max` bytes, no ancillary data). Returns null when nothing is queued (EAGAIN). Throws SysError
   * on any other failure. Same result shape as recvmsg, one entry per datagram.
   */
  recvmmsg(max = 65536, count = 32): Received[] | null {
    const fd = this.live('recvmmsg');
    const v = vectorFor(max, count);
    const n = this.recvmmsgInto(fd, v, count);
    if (n === null) return null;
    const out: Received[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readSlot(v, i);
    return out;
  }

  /**
   * Reads every queued datagram with recvmmsg (`count` per system call) and hands each to `cb` as
   * views into a shared native buffer — valid ONLY until `cb` returns; copy what you keep. Saves an
   * allocation and a copy per datagram for callers that decode at once (the netlink transport).
   * Stops at EAGAIN and returns how many datagrams were read. Throws SysError on other failures
   * (after delivering what was read before them).
   */
  drain(cb: (data: Buffer, truncated: boolean, from: Buffer) => void, max = 65536, count = 32): number {
    const fd = this.live('recvmmsg');
    let total = 0;
    for (;;) {
      const v = vectorFor(max, count);
      const n = this.recvmmsgInto(fd, v, count);
      if (n === null) return total;
      for (let i = 0; i < n; i++) viewSlot(v, i, cb);
      total += n;
      if (n < count) return total;
    }
  }

  /** One non-blocking recvmmsg(2) into `v`: how many datagrams arrived, null at EAGAIN; throws SysError otherwise. */
  private recvmmsgInto(fd: number, v: Vector, count: number): number | null {
    const n = libc.recvmmsg(fd, v.addr, count, MSG_DONTWAIT | MSG_TRUNC, null) as number;
    if (n >= 0) return n;
    const e = libc.errno();
    if (e === EAGAIN) return null;
    throw new SysError('recvmmsg', e, { cap: this.cap });
  }

  /** recvfrom(2) without blocking (recvmsg without ancillary data). Returns null on EAGAIN. */
  recvfrom(max = 65536): { data: Buffer; from: Buffer; truncated: boolean } | null {
    const r = this.recvmsg(max, 0);
    return r && { data: r.data, from: r.from, truncated: r.truncated };
  }

  /**
   * Calls `cb` on the main thread whenever the socket is readable; `cb` should drain with recvmsg
   * until it returns null. A second call replaces the callback. The watch does not keep the process
   * alive unless `ref()` was called (see poller.ts).
   */
  onReadable(cb: () => void): void {
    this.live('onReadable');
    this.callback = cb;
    if (this.watch) return;
    this.watch = watchReadable(this._fd, () => this.callback?.());
    if (this.keepAlive) this.watch.ref();
  }

  /** Makes the readable-watch keep the process alive (or not, with `false`). */
  ref(keepAlive = true): void {
    this.keepAlive = keepAlive;
    if (keepAlive) this.watch?.ref();
    else this.watch?.unref();
  }

  /** Stops watching and closes the fd. Idempotent. */
  close(): void {
    if (this._fd < 0) return;
    this.watch?.close();
    this.watch = null;
    this.callback = null;
    libc.close(this._fd);
    this._fd = -1;
  }
}

function intBuf(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}
