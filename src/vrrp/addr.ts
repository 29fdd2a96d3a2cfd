/** Address helpers shared by the VRRP modules. Pure. */
import { ipBytes } from '../../native/ip.js';

/** Compares two addresses of one family as unsigned big-endian numbers (−1, 0, 1). */
export function compareAddr(a: string, b: string): number {
  const x = ipBytes(a);
  const y = ipBytes(b);
  if (x.length !== y.length) return x.length - y.length;
  return Math.sign(Buffer.compare(x, y));
}
