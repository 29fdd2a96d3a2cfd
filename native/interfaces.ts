/** Interface name ↔ index lookups (if_nametoindex(3)), in the calling thread's network namespace. */
import { ERRNO } from './errno.js';
import * as libc from './libc.js';
import { SysError } from './socket.js';

const { ENODEV } = ERRNO;

/** The index of interface `name`. Throws SysError ENODEV naming the interface if it does not exist. */
export function ifNameToIndex(name: string): number {
  if (name.length === 0 || name.length > 15)
    throw new SysError('if_nametoindex', ENODEV, { detail: JSON.stringify(name) });
  const i = libc.ifNameToIndex(name) as number;
  if (i === 0) throw new SysError('if_nametoindex', libc.errno() || ENODEV, { detail: JSON.stringify(name) });
  return i;
}

/** The name of interface `index`. Throws SysError ENXIO/ENODEV naming the index if it does not exist. */
export function ifIndexToName(index: number): string {
  const buf = Buffer.alloc(16);
  const r = libc.ifIndexToName(index >>> 0, buf) as unknown;
  if (r === null || r === 0n || r === 0)
    throw new SysError('if_indextoname', libc.errno() || ENODEV, { detail: String(index) });
  return buf.toString('utf8', 0, Math.max(0, buf.indexOf(0)));
}
