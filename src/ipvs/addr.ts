/**
 * Addresses as `ipvsadm` rules write them, on the hot path of restore (10,000s of addresses): a fast
 * path for plain dotted-quad IPv4, ipaddr.js for everything else (IPv6, and the inet_aton spellings
 * such as "10.1" that ipvsadm takes). Results are the same canonical text as native/ip.ts gives.
 */
import { ipaddr } from '../../native/ip.js';
import type { Family } from './types.js';

const V4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Canonical text and family of an IP address; null if it is not one. */
export function parseIp(s: string): { address: string; af: Family } | null {
  if (V4.test(s)) return { address: s, af: 'inet' };
  try {
    const p = ipaddr().parse(s);
    return { address: p.toString(), af: p.kind() === 'ipv6' ? 'inet6' : 'inet' };
  } catch {
    return null;
  }
}

/** The address as bytes (4 or 16) with its family, or null if it is not an IP address. */
export function parseIpBytes(s: string): { bytes: number[]; af: Family } | null {
  const m = V4.exec(s);
  if (m) return { bytes: [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])], af: 'inet' };
  try {
    const p = ipaddr().parse(s);
    return { bytes: p.toByteArray(), af: p.kind() === 'ipv6' ? 'inet6' : 'inet' };
  } catch {
    return null;
  }
}
