/**
 * `virtual_server_group NAME { ... }` entries → the services keepalived creates for a virtual server
 * using the group: one per address (ranges `10.0.0.1-10`, `10.0.0.1-10.0.1.5`, CIDR `10.0.0.0/29`
 * including its first and last address) and port, and one per `fwmark N [inet|inet6]`.
 */
import { isIP } from 'node:net';
import type { Ctx } from './context.js';
import type { KaNode } from './tree.js';

/** One service of a group: by address and port, or by firewall mark. */
export type GroupService =
  | { kind: 'addr'; address: string; port: number; node: KaNode }
  | { kind: 'fwmark'; fwmark: number; family?: 'inet' | 'inet6'; node: KaNode };

/** Most services one group may expand to (keepalived would create them all; lvsd names each). */
export const MAX_GROUP_SERVICES = 65_536;

/** The services of one virtual_server_group block, in order. */
export function groupServices(ctx: Ctx, node: KaNode): GroupService[] {
  const out: GroupService[] = [];
  for (const e of node.block ?? []) {
    const [first, second, third] = e.words;
    if (first === 'fwmark') {
      const mark = ctx.int(e, 0, 0xffffffff);
      if (mark === undefined) continue;
      if (mark === 0) {
        ctx.warn(e, 'fwmark', 'fwmark 0 marks nothing; lvsd needs 1-4294967295');
        continue;
      }
      if (third !== undefined && third !== 'inet' && third !== 'inet6') {
        ctx.warn(e, 'fwmark', `family "${third}" is not inet or inet6; keepalived ignores the entry`);
        continue;
      }
      out.push({ kind: 'fwmark', fwmark: mark, family: third as 'inet' | 'inet6' | undefined, node: e });
      continue;
    }
    const port = second === undefined ? 0 : /^\d+$/.test(second) && Number(second) <= 65535 ? Number(second) : NaN;
    if (Number.isNaN(port)) {
      ctx.warn(e, first!, `"${second}" is not a port; keepalived skips the entry`);
      continue;
    }
    const addrs = expandRange(first!);
    if (addrs === undefined) {
      ctx.warn(
        e,
        first!,
        'is not an address, a range (a.b.c.d-e or a.b.c.d-e.f.g.h) or a CIDR block; keepalived skips it',
      );
      continue;
    }
    if (out.length + addrs.length > MAX_GROUP_SERVICES) {
      ctx.warn(
        e,
        first!,
        `expands to more than ${MAX_GROUP_SERVICES} services; left out`,
        'split the range or use a fwmark service',
      );
      continue;
    }
    for (const address of addrs) out.push({ kind: 'addr', address, port, node: e });
  }
  if (out.length === 0) ctx.warn(node, 'virtual_server_group', 'has no entries; keepalived removes it');
  return out;
}

/** Every address of `text`: one address, a range or a CIDR block (IPv4 or IPv6); undefined when malformed. */
export function expandRange(text: string): string[] | undefined {
  const cidr = /^([^/]+)\/(\d+)$/.exec(text);
  if (cidr) return expandCidr(cidr[1]!, Number(cidr[2]));
  const dash = text.indexOf('-');
  if (dash < 0) return isIP(text) ? [text] : undefined;
  const start = text.slice(0, dash);
  const endText = text.slice(dash + 1);
  const fam = isIP(start);
  if (fam === 0) return undefined;
  const lo = toBig(start, fam);
  let hi: bigint;
  if (fam === 4 ? endText.includes('.') : endText.includes(':')) {
    if (isIP(endText) !== fam) return undefined;
    hi = toBig(endText, fam);
  } else {
    // keepalived: the last part only (a decimal byte for IPv4, a hex group for IPv6)
    const v = fam === 4 ? (/^\d{1,3}$/.test(endText) ? Number(endText) : NaN) : parseInt(endText, 16);
    if (!Number.isFinite(v) || v > (fam === 4 ? 255 : 0xffff) || (fam === 6 && !/^[0-9a-fA-F]{1,4}$/.test(endText)))
      return undefined;
    const bits = BigInt(fam === 4 ? 8 : 16);
    hi = ((lo >> bits) << bits) | BigInt(v);
  }
  return hi < lo ? undefined : span(lo, hi, fam);
}

function expandCidr(addr: string, bits: number): string[] | undefined {
  const fam = isIP(addr);
  const width = fam === 4 ? 32 : 128;
  if (fam === 0 || bits < 1 || bits > width) return undefined;
  const base = toBig(addr, fam);
  const host = (1n << BigInt(width - bits)) - 1n;
  if ((base & host) !== 0n) return undefined; // keepalived: "Address mask bits not empty"
  return span(base, base | host, fam);
}

function span(lo: bigint, hi: bigint, fam: number): string[] | undefined {
  if (hi - lo >= BigInt(MAX_GROUP_SERVICES)) return Array.from({ length: MAX_GROUP_SERVICES + 1 }, () => '');
  const out: string[] = [];
  for (let v = lo; v <= hi; v++) out.push(fromBig(v, fam));
  return out;
}

function toBig(addr: string, fam: number): bigint {
  if (fam === 4) return addr.split('.').reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const last = groups[groups.length - 1]!;
  if (last.includes('.')) {
    const v4 = toBig(last, 4);
    groups.splice(groups.length - 1, 1, ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
  }
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

function fromBig(v: bigint, fam: number): string {
  if (fam === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // canonical text: the longest run (≥ 2) of zero groups becomes "::"
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > len && j - i >= 2) ((best = i), (len = j - i));
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + len).join(':')}`;
}
