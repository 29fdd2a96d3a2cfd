/**
 * struct sockaddr_nl (linux/netlink.h), pure: 12 bytes, nl_family u16 = AF_NETLINK, pad u16,
 * nl_pid u32, nl_groups u32. A file of its own (native/sockaddr.ts re-exports it) because the other
 * families there pull in ipaddr.js and node:net, and the netlink path should load only what it uses
 * (start-up of `lvsd ipvs ...` is dominated by module loading inside user-mode Linux).
 */
import { AF_NETLINK } from './constants.js';

/** A sockaddr_nl: pid 0 lets the kernel pick (bind) or means the kernel (sendto). */
export function sockaddrNl(pid = 0, groups = 0): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(pid >>> 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  return b;
}

/** nl_pid of a sockaddr_nl (as getsockname returns it); 0 if `b` is not a whole AF_NETLINK address. */
export function sockaddrNlPid(b: Buffer): number {
  return b.length >= 12 && b.readUInt16LE(0) === AF_NETLINK ? b.readUInt32LE(4) : 0;
}
