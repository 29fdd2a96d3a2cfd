/**
 * One epoll instance shared by many short-lived sockets, itself watched by ONE uv_poll on Node's
 * loop (poller.ts). Registering a socket costs one epoll_ctl; closing the socket removes it (no
 * EPOLL_CTL_DEL); when the epoll fd turns readable, epoll_wait(timeout 0) hands over a whole batch
 * of ready sockets per call. libuv's own epoll never sees the individual sockets, so a probe costs
 * no uv handle, no JS socket object and no epoll_ctl mod/del.
 *
 * Stale events: an event fetched in a batch can name an fd that an earlier event of the same batch
 * closed (and that something reopened). Each registration gets a tag, carried in the event's data
 * next to the fd, and `forget(fd)` retires it, so such events are dropped.
 */
import { EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_MOD } from './constants.js';
import { ERRNO } from './errno.js';

const { EINTR } = ERRNO;
import * as libc from './libc.js';
import { watchReadable, type Watch } from './poller.js';
import { SysError } from './socket.js';

/** struct epoll_event: packed (12 bytes) on x86_64, naturally aligned (16) elsewhere. */
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_OFFSET = process.arch === 'x64' ? 4 : 8;
/** Events fetched per epoll_wait call. */
const BATCH = 256;
/**
 * epoll_wait calls per wake-up at most: what is still ready after them is fetched on the next
 * event-loop turn (the epoll fd stays readable), so thousands of sockets ready at once (probes
 * that ran late on a saturated machine) cannot hold the loop in one callback.
 */
export const BATCHES_PER_WAKE = 4;

/** Receives the ready events of a registered fd (EPOLLIN, EPOLLOUT, ... bits). */
export type EpollSink = (fd: number, events: number) => void;

/** A shared epoll instance delivering readiness of registered fds to one sink, never blocking. */
export class EpollSet {
  private epfd: number;
  private readonly watch: Watch;
  private readonly batch = Buffer.alloc(EVENT_SIZE * BATCH);
  private readonly ctl = Buffer.alloc(EVENT_SIZE);
  private tags = new Uint32Array(1024);
  private nextTag = 1;

  /**
   * Opens the epoll fd (throws SysError) and starts watching it; `sink` gets every live event, at
   * most `batchesPerWake` × 256 per event-loop turn (Infinity: every ready event in one turn).
   */
  constructor(
    private readonly sink: EpollSink,
    private readonly batchesPerWake = BATCHES_PER_WAKE,
  ) {
    const fd = libc.epollCreate1(EPOLL_CLOEXEC) as number;
    if (fd < 0) throw new SysError('epoll_create1', libc.errno());
    this.epfd = fd;
    this.watch = watchReadable(fd, () => this.drain());
  }

  /** Registers `fd` for `events` (EPOLL* bits). Throws SysError if epoll_ctl fails. */
  add(fd: number, events: number): void {
    this.ctlOp(EPOLL_CTL_ADD, fd, events, this.newTag(fd));
  }

  /** Changes the events of a registered fd, keeping its tag. Throws SysError if epoll_ctl fails. */
  modify(fd: number, events: number): void {
    this.ctlOp(EPOLL_CTL_MOD, fd, events, this.tags[fd]);
  }

  /**
   * Changes the events of a registered fd under a new tag: an event fetched for its earlier use is
   * dropped. Throws SysError if epoll_ctl fails.
   */
  rearm(fd: number, events: number): void {
    this.ctlOp(EPOLL_CTL_MOD, fd, events, this.newTag(fd));
  }

  /** Drops any event still pending for `fd`; call it just before closing the fd. */
  forget(fd: number): void {
    if (fd < this.tags.length) this.tags[fd] = 0;
  }

  /** Stops watching and closes the epoll fd (registered sockets stay open: their owners close them). */
  close(): void {
    if (this.epfd < 0) return;
    this.watch.close();
    libc.close(this.epfd);
    this.epfd = -1;
  }

  private newTag(fd: number): number {
    if (fd >= this.tags.length) {
      const grown = new Uint32Array(Math.max(fd + 1, this.tags.length * 2));
      grown.set(this.tags);
      this.tags = grown;
    }
    const tag = this.nextTag;
    this.nextTag = this.nextTag >= 0xfffffffe ? 1 : this.nextTag + 1;
    this.tags[fd] = tag;
    return tag;
  }

  private ctlOp(op: number, fd: number, events: number, tag: number): void {
    const c = this.ctl;
    c.writeUInt32LE(events >>> 0, 0);
    c.writeInt32LE(fd, DATA_OFFSET);
    c.writeUInt32LE(tag, DATA_OFFSET + 4);
    if ((libc.epollCtl(this.epfd, op, fd, c) as number) < 0)
      throw new SysError('epoll_ctl', libc.errno(), { detail: `(fd ${fd})` });
  }

  /**
   * Fetches batches until fewer than a full batch is ready or `batchesPerWake` were fetched (the
   * rest: next turn); delivers events whose tag is still live.
   */
  private drain(): void {
    const b = this.batch;
    let failure: unknown;
    for (let fetched = 0; fetched < this.batchesPerWake; fetched++) {
      if (this.epfd < 0) break;
      const n = libc.epollWait(this.epfd, b, BATCH, 0) as number;
      if (n < 0 && libc.errno() === EINTR) continue;
      for (let i = 0; i < n; i++) {
        const at = i * EVENT_SIZE;
        const fd = b.readInt32LE(at + DATA_OFFSET);
        if (this.tags[fd] !== b.readUInt32LE(at + DATA_OFFSET + 4)) continue;
        try {
          this.sink(fd, b.readUInt32LE(at));
        } catch (e) {
          failure ??= e; // one sink bug must not starve the other sockets of the batch
        }
      }
      if (n < BATCH) break;
    }
    if (failure !== undefined) throw failure;
  }
}
