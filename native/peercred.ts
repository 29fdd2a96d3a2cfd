/**
 * The credentials of the process at the other end of a connected unix socket (SO_PEERCRED): the
 * kernel records them at connect time, so the peer cannot forge them. The control socket decides a
 * connection's level from the peer's uid.
 */
import { errno, getsockopt } from './libc.js';
import { SOL_SOCKET, SO_PEERCRED } from './constants.js';

/** struct ucred: pid, uid, gid. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** Reads SO_PEERCRED of `fd`; throws an Error naming errno when the kernel refuses. */
export function peerCredentials(fd: number): PeerCredentials {
  const cred = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0)
    throw new Error(`getsockopt(SO_PEERCRED) failed: errno ${errno()}`);
  return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4), gid: cred.readUInt32LE(8) };
}
