/**
 * Readiness without blocking the event loop.
 *
 * Design: every watched fd gets a libuv poll handle (uv_poll_t, via koffi.node.poll) on Node's own
 * loop, so the waiting is done by the one epoll instance libuv already blocks in between ticks —
 * the same mechanism Node uses for its own sockets. Waiting costs no thread at all (neither the
 * main thread nor a threadpool worker), there is no wake-up pipe to manage when the fd set
 * changes, and callbacks run on the main thread as ordinary I/O callbacks. (A koffi `fn.async`
 * call of poll(2) would also keep the main thread free, but would park one of libuv's four
 * threadpool workers forever — slowing fs/dns/crypto — and need an eventfd to re-arm; uv_poll
 * gives the same "one shared poller" with none of that.)
 *
 * Lifetime: a watch is unref'd by default, so an idle socket never keeps the process alive on its
 * own: a daemon stays up because of its timers/servers, a test exits when done. Anything that is
 * actually waiting for an answer (a netlink request) holds its own deadline timer, which keeps
 * the process alive exactly as long as the wait is meaningful. `ref()` opts a watch in. Every
 * handle still open at process exit is closed in an 'exit' hook (see below).
 */
import { pollReadable, type PollHandle } from './libc.js';

/** A registration of one fd; stop it with close(). */
export interface Watch {
  /** Keep the process alive while this watch is active. */
  ref(): void;
  /** Stop keeping the process alive (the default). */
  unref(): void;
  /** Stops watching; idempotent. Call before closing the fd. */
  close(): void;
}

const open = new Set<PollHandle>();

// libuv runs pending poll callbacks while Node tears the environment down; a koffi callback into
// JS at that point aborts the process. Closing every handle on 'exit' makes exit clean.
process.on('exit', () => {
  for (const h of open) h.close();
  open.clear();
});

/**
 * Calls `cb` on the main thread whenever `fd` is readable (level-triggered: it is called again while
 * unread data remains, so `cb` should drain until EAGAIN). An exception from `cb` is rethrown
 * asynchronously as an uncaught exception rather than unwinding into libuv.
 */
export function watchReadable(fd: number, cb: () => void): Watch {
  let handle: PollHandle | null = pollReadable(fd, () => {
    try {
      cb();
    } catch (e) {
      queueMicrotask(() => {
        throw e;
      });
    }
  });
  handle.unref();
  open.add(handle);
  return {
    ref: () => handle?.ref(),
    unref: () => handle?.unref(),
    close: () => {
      if (!handle) return;
      handle.close();
      open.delete(handle);
      handle = null;
    },
  };
}

/** How many watches are open (for tests and leak checks). */
export function activeWatches(): number {
  return open.size;
}
