/**
 * The libc functions lvsd calls, bound once through koffi. Internal to native/: everything else goes
 * through NativeSocket and friends. Pointer arguments take a Buffer (pinned for the call) or a
 * BigInt address of koffi-allocated memory. Every call returns the raw result; read errno() at once.
 */
import koffi from 'koffi';

const lib = koffi.load('libc.so.6');

export const socket = lib.func('int socket(int domain, int type, int protocol)');
export const bind = lib.func('int bind(int fd, const void *addr, uint32_t len)');
export const connect = lib.func('int connect(int fd, const void *addr, uint32_t len)');
export const getsockname = lib.func('int getsockname(int fd, void *addr, void *len)');
export const setsockopt = lib.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)');
export const getsockopt = lib.func('int getsockopt(int fd, int level, int name, void *val, void *len)');
export const sendto = lib.func(
  'long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)',
);
export const recvmsg = lib.func('long recvmsg(int fd, void *msg, int flags)');
export const recvmmsg = lib.func('int recvmmsg(int fd, void *msgvec, unsigned int vlen, int flags, void *timeout)');
export const close = lib.func('int close(int fd)');
export const read = lib.func('long read(int fd, void *buf, size_t len)');
export const send = lib.func('long send(int fd, const void *buf, size_t len, int flags)');
export const epollCreate1 = lib.func('int epoll_create1(int flags)');
export const epollCtl = lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)');
export const epollWait = lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
export const open = lib.func('int open(const char *path, int flags)');
export const setns = lib.func('int setns(int fd, int nstype)');
export const ifNameToIndex = lib.func('unsigned int if_nametoindex(const char *name)');
export const ifIndexToName = lib.func('char *if_indextoname(unsigned int index, void *buf)');
export const prctl = lib.func(
  'int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)',
);
export const getrlimit = lib.func('int getrlimit(int resource, void *rlim)');
export const setrlimit = lib.func('int setrlimit(int resource, const void *rlim)');

/** errno of the last failed libc call made through koffi on this thread. */
export function errno(): number {
  return koffi.errno();
}

/** Native memory that never moves: its BigInt address and a Buffer view over it (no copy). */
export function nativeBuffer(size: number): { addr: bigint; buf: Buffer } {
  const ptr = koffi.alloc('uint8_t', size) as unknown as bigint;
  return { addr: koffi.address(ptr) as bigint, buf: Buffer.from(koffi.view(ptr, size)) };
}

/** Starts watching `fd` for readability on the main libuv loop (uv_poll); see poller.ts. */
export function pollReadable(fd: number, cb: (status: number) => void): PollHandle {
  return koffi.node.poll(fd, { readable: true }, cb as unknown as () => void) as unknown as PollHandle;
}

/** A koffi uv_poll handle. */
export interface PollHandle {
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}
