/**
 * How many IPVS connections this network namespace holds, and how many of them arrived by sync:
 * /proc/net/ip_vs_conn_sync lists every connection with its origin (LOCAL: scheduled here; SYNC:
 * received by the backup daemon), one per line after a header:
 *   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires
 *   TCP 0A000102 AF64 0A000164 2328 0A00020B 2328 ESTABLISHED SYNC       893
 * (IPv6 lines print addresses in their own notation; the origin is always the next-to-last field.)
 */
import { readFile } from 'node:fs/promises';
import type { ConnCounts } from './status.js';

export type { ConnCounts } from './status.js';

/** Counts the lines of /proc/net/ip_vs_conn_sync text by origin; pure. */
export function countConnections(text: string): ConnCounts {
  const out: ConnCounts = { total: 0, synced: 0, local: 0 };
  let start = text.indexOf('\n') + 1; // skip the header
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const fields = text.slice(start, end).trim().split(/\s+/);
    if (fields.length >= 3) {
      out.total++;
      const origin = fields[fields.length - 2];
      if (origin === 'SYNC') out.synced++;
      else if (origin === 'LOCAL') out.local++;
    }
    start = end + 1;
  }
  return out;
}

/** Reads and counts this namespace's connections; undefined when the file is absent (no IPVS loaded). */
export async function readConnCounts(path = '/proc/net/ip_vs_conn_sync'): Promise<ConnCounts | undefined> {
  try {
    return countConnections(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}
