/**
 * Address helpers on the hot path of restore and dumps (10,000s of addresses): a fast path for
 * plain dotted-quad IPv4, ipaddr.js for everything else (IPv6, odd IPv4 spellings). Results are
 * the same canonical text as `canonicalAddress` in types.ts.
 */
import { ipaddr } from './ipaddr.js';
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

/** The address as bytes (4 or 16), or null if it is not an IP address. */
export function ipBytes(s: string): { bytes: number[]; af: Family } | null {
  const m = V4.exec(s);
  if (m) return { bytes: [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])], af: 'inet' };
  try {
    const p = ipaddr().parse(s);
    return { bytes: p.toByteArray(), af: p.kind() === 'ipv6' ? 'inet6' : 'inet' };
  } catch {
    return null;
  }
}

/** Canonical text of the first 4 (inet) or 16 (inet6) bytes of `b` (caller checks the length). */
export function ipText(b: Buffer, af: Family): string {
  if (af === 'inet') return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  return ipaddr()
    .fromByteArray(Array.from(b.subarray(0, 16)))
    .toString();
}
