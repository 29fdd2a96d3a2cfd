/**
 * IP address text ↔ bytes, pure (no sockets), shared by native/sockaddr.ts and src/rtnetlink.
 * Text out is ipaddr.js's canonical form, the same as canonicalAddress() in src/ipvs/types.ts,
 * so addresses read from the kernel compare equal to addresses from the config.
 */
import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/** 4 or 16 bytes of an address in text (a `%zone` suffix is ignored). Throws TypeError on anything else. */
export function ipBytes(address: string): Buffer {
  const text = address.split('%')[0];
  if (isIP(text) === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  return Buffer.from(ipaddr.parse(text).toByteArray());
}

/** Canonical text of 4 or 16 address bytes. Throws TypeError on another length. */
export function ipText(b: Buffer): string {
  if (b.length !== 4 && b.length !== 16) throw new TypeError(`address of ${b.length} bytes`);
  return ipaddr.fromByteArray([...b]).toString();
}
