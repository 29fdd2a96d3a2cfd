/**
 * The real ICMP sockets (through native/). Placeholder until native/socket.ts lands.
 */
import type { IcmpTransport } from './icmp.js';

/** Opens the shared ICMP socket of a family. */
export function openNativeIcmp(family: 4 | 6): IcmpTransport {
  throw new Error(`ICMP (IPv${family}) is not available: native sockets are not built yet`);
}
