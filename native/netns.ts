/**
 * Running code inside a named network namespace (/run/netns/NAME, as made by `ip netns add`).
 * setns(2) moves only the calling thread — Node's main thread here — so this is synchronous:
 * sockets opened inside `fn` belong to that namespace for their whole life, while libuv's worker
 * threads never move. For tests and the lab; needs CAP_SYS_ADMIN.
 */
import * as libc from './libc.js';
import { SysError } from './socket.js';
import { ERRNO } from './errno.js';

const O_RDONLY = 0;
const O_CLOEXEC = 0x80000;
const CLONE_NEWNET = 0x40000000;

function openNs(path: string): number {
  const fd = libc.open(path, O_RDONLY | O_CLOEXEC) as number;
  if (fd < 0) throw new SysError('open', libc.errno(), { detail: path });
  return fd;
}

/**
 * Calls `fn` with the main thread in network namespace `name`, then moves back (also when `fn`
 * throws). `fn` must be synchronous: awaiting inside it would run other code in the namespace.
 * Throws SysError ENOENT if the namespace does not exist, EPERM (naming CAP_SYS_ADMIN) without privilege.
 */
export function withNetns<T>(name: string, fn: () => T): T {
  if (!/^[\w.-]+$/.test(name))
    throw new SysError('setns', ERRNO.EINVAL, { detail: `bad namespace name ${JSON.stringify(name)}` });
  const home = openNs('/proc/thread-self/ns/net');
  try {
    const target = openNs(`/run/netns/${name}`);
    try {
      if ((libc.setns(target, CLONE_NEWNET) as number) < 0)
        throw new SysError('setns', libc.errno(), { cap: 'CAP_SYS_ADMIN', detail: name });
    } finally {
      libc.close(target);
    }
    try {
      return fn();
    } finally {
      if ((libc.setns(home, CLONE_NEWNET) as number) < 0)
        throw new SysError('setns', libc.errno(), { detail: 'back to the original namespace' });
    }
  } finally {
    libc.close(home);
  }
}
