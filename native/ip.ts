/**
 * IP addresses as text and as the 4 or 16 network-order bytes the kernel takes: the one home of
 * these conversions, owned by native/ (sockaddr.ts needs them) and reused by src (netlink codecs,
 * VRRP packets, config). Text out is canonical: a dotted quad for IPv4, RFC 5952 (compressed,
 * lowercase) for IPv6, so addresses read from the kernel compare equal to addresses from the config.
 * Text in is what Node's `isIP` accepts (no inet_aton spellings such as "10.1" or "010.0.0.1").
 * Dotted quads take a fast path; ipaddr.js, which does the rest, is loaded on the first IPv6 address.
 * Pure: no sockets.
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type ipaddrModule from 'ipaddr.js';

let loaded: typeof ipaddrModule | undefined;

/**
 * ipaddr.js, loaded with require() on first use rather than by `import`: an ES import of a CommonJS
 * package makes Node start its CommonJS export scanner (cjs-module-lexer, ~1,800 page faults, ~0.4 s
 * of every `lvsd ipvs ...` inside user-mode Linux), and IPv4-only work never needs it.
 */
export function ipaddr(): typeof ipaddrModule {
  loaded ??= createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrModule;
  return loaded;
}

/** 4 or 16 bytes of an address in text (a `%zone` suffix is ignored). Throws TypeError on anything else. */
export function ipBytes(address: string): Buffer {
  const text = address.split('%')[0]!;
  const kind = isIP(text);
  if (kind === 4) return Buffer.from(text.split('.').map(Number));
  if (kind === 6) return Buffer.from(ipaddr().parse(text).toByteArray());
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
}

/** Canonical text of 4 or 16 address bytes. Throws TypeError on another length. */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return [b[0], b[1], b[2], b[3]].join('.'); // one flat string (see hostPort in src/ipvs/types.ts)
  if (b.length !== 16) throw new TypeError(`address of ${b.length} bytes`);
  return ipaddr()
    .fromByteArray([...b])
    .toString();
}

/** The canonical text of an IP address (as the kernel's tables hold it), or undefined when `v` is not one. */
export function canonicalIp(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const kind = isIP(v);
  // isIP accepts only dotted quads without leading zeros: already canonical
  if (kind === 4) return v;
  return kind === 6 ? ipaddr().parse(v).toString() : undefined;
}
