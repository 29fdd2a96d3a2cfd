/**
 * Text output as ipvsadm 1.31 prints it, pure:
 *   formatSave(table)        — `ipvsadm -S -n`, byte for byte (same sort, same spellings);
 *   formatList(table, info)  — `ipvsadm -Ln` and `ipvsadm -Ln --stats`;
 *   formatOp(op)             — one Op as an ipvsadm rule line (used by restore reports and `--plan`);
 *   formatJson(info, table)  — `lvsd ipvs list --json`.
 * Sorting copies libipvs's comparators, including their signed 32-bit wrap on address differences.
 */
import * as C from './constants.js';
import type { IpvsInfo } from './decode.js';
import {
  hostPort,
  type Destination,
  type Forwarding,
  type IpvsTable,
  type Op,
  type Service,
  type ServiceId,
  type Stats,
  type TableService,
  zeroStats,
} from './types.js';

const PROTO_NUM = { tcp: 6, udp: 17, sctp: 132 } as const;
const RULE_PROTO = { tcp: '-t', udp: '-u', sctp: '--sctp-service' } as const;
const FWD_SWITCH: Record<Forwarding, string> = { nat: '-m', tun: '-i', dr: '-g', local: '-g', bypass: '?' };
const FWD_NAME: Record<Forwarding, string> = {
  nat: 'Masq',
  local: 'Local',
  tun: 'Tunnel',
  dr: 'Route',
  bypass: 'Bypass',
};
const TUN_CSUM = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];

/** Address as four big-endian u32 words (IPv4: one word). */
function words(address: string): number[] {
  if (!address.includes(':')) return [address.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0)];
  const [head, tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  return [0, 2, 4, 6].map((i) => ((groups[i] << 16) | groups[i + 1]) >>> 0);
}

/** libipvs: r = ntohl(a) - ntohl(b) as a C int (wraps). */
function cmpAddr(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  for (let i = 0; i < wa.length; i++) {
    const r = (wa[i] - wb[i]) | 0;
    if (r !== 0) return r;
  }
  return 0;
}

/** ipvs_cmp_services: fwmark, af, protocol, address, port. */
export function compareServices(a: ServiceId, b: ServiceId): number {
  const r = ((a.fwmark ?? 0) - (b.fwmark ?? 0)) | 0;
  if (r !== 0) return r;
  const af = (a.af === 'inet6' ? C.AF_INET6 : C.AF_INET) - (b.af === 'inet6' ? C.AF_INET6 : C.AF_INET);
  if (af !== 0 || a.fwmark !== undefined || b.fwmark !== undefined) return af;
  const p = PROTO_NUM[a.protocol] - PROTO_NUM[b.protocol!];
  return p || cmpAddr(a.address, b.address!) || a.port - b.port!;
}

/** ipvs_cmp_dests: address, then port (family first, so mixed-family tunnels sort stably). */
export function compareDests(
  a: Pick<Destination, 'af' | 'address' | 'port'>,
  b: Pick<Destination, 'af' | 'address' | 'port'>,
): number {
  if (a.af !== b.af) return a.af === 'inet' ? -1 : 1;
  return cmpAddr(a.address, b.address) || a.port - b.port;
}

/** Destinations sorted as compareDests, with each address split once (tables reach 10,000s). */
function sortDests(ds: Destination[]): Destination[] {
  const keyed = ds.map((d) => ({ d, w: words(d.address), v6: d.af === 'inet6' ? 1 : 0 }));
  keyed.sort((a, b) => {
    if (a.v6 !== b.v6) return a.v6 - b.v6;
    for (let i = 0; i < a.w.length; i++) {
      const r = (a.w[i] - b.w[i]) | 0;
      if (r !== 0) return r;
    }
    return a.d.port - b.d.port;
  });
  return keyed.map((k) => k.d);
}

/** A copy of the table in ipvsadm's listing order. */
export function sortTable(t: IpvsTable): TableService[] {
  return [...t.services]
    .sort((a, b) => compareServices(a.id, b.id))
    .map((s) => ({ ...s, destinations: sortDests(s.destinations) }));
}

/** "-t 10.0.0.1:80", "-f 7 -6" ... as in rule lines. */
export function ruleServiceName(id: ServiceId): string {
  if (id.fwmark !== undefined) return id.af === 'inet6' ? `-f ${id.fwmark} -6` : `-f ${id.fwmark}`;
  return `${RULE_PROTO[id.protocol]} ${hostPort(id.address, id.port)}`;
}

/** print_sched_flags: names for the scheduler's flag bits, comma-separated. */
export function schedFlagNames(s: Pick<Service, 'scheduler' | 'flags'>): string {
  const names =
    s.scheduler === 'sh' || s.scheduler === 'mh'
      ? [`${s.scheduler}-fallback`, `${s.scheduler}-port`, 'flag-3']
      : ['flag-1', 'flag-2', 'flag-3'];
  return [C.IP_VS_SVC_F_SCHED1, C.IP_VS_SVC_F_SCHED2, C.IP_VS_SVC_F_SCHED3]
    .flatMap((bit, i) => (s.flags & bit ? [names[i]] : []))
    .join(',');
}

const SCHED_BITS = C.IP_VS_SVC_F_SCHED1 | C.IP_VS_SVC_F_SCHED2 | C.IP_VS_SVC_F_SCHED3;

/** Dotted text of an IPv4 mask number (0xffffff00 → "255.255.255.0"). */
export function maskText(mask: number): string {
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.');
}

function maskPart(s: Service, flag: string): string {
  if (s.id.af === 'inet') return s.netmask >>> 0 !== 0xffffffff ? ` ${flag} ${maskText(s.netmask)}` : '';
  return s.netmask !== 128 ? ` ${flag} ${s.netmask}` : '';
}

/** The -A line of a service, as `ipvsadm -S -n` prints it. */
export function ruleService(s: Service, cmd = '-A'): string {
  let out = `${cmd} ${ruleServiceName(s.id)} -s ${s.scheduler}`;
  if (s.flags & C.IP_VS_SVC_F_PERSISTENT) out += ` -p ${s.timeout}${maskPart(s, '-M')}${s.pe ? ` --pe ${s.pe}` : ''}`;
  if (s.flags & C.IP_VS_SVC_F_ONEPACKET) out += ' -o';
  if (s.flags & SCHED_BITS) out += ` -b ${schedFlagNames(s)}`;
  return out;
}

/** The -a line of a destination, as `ipvsadm -S -n` prints it (thresholds are not part of it). */
export function ruleDest(svc: ServiceId, d: Destination, cmd = '-a'): string {
  const base = `${cmd} ${ruleServiceName(svc)} -r ${hostPort(d.address, d.port)} ${FWD_SWITCH[d.forwarding]} -w ${d.weight}`;
  if (d.forwarding !== 'tun') return base;
  const tt = d.tunType ?? 'ipip';
  if (tt === 'gue') return `${base} --tun-type gue --tun-port ${d.tunPort ?? 0} ${TUN_CSUM[d.tunFlags ?? 0] ?? ''}`;
  if (tt === 'gre') return `${base} --tun-type gre ${TUN_CSUM[d.tunFlags ?? 0] ?? ''}`;
  return `${base} --tun-type ipip`;
}

/** Exactly what `ipvsadm -S -n` prints for this table. */
export function formatSave(t: IpvsTable): string {
  return sortTable(t)
    .map((s) => [ruleService(s), ...s.destinations.map((d) => ruleDest(s.id, d))].map((l) => l + '\n').join(''))
    .join('');
}

/** One Op as an ipvsadm rule line (-A/-E/-D/-a/-e/-d/-C/-Z); dest lines add -x/-y when set. */
export function formatOp(op: Op): string {
  const thresholds = (d: Destination): string =>
    `${d.upperThreshold ? ` -x ${d.upperThreshold}` : ''}${d.lowerThreshold ? ` -y ${d.lowerThreshold}` : ''}`;
  switch (op.op) {
    case 'add-service':
      return ruleService(op.service, '-A');
    case 'edit-service':
      return ruleService(op.service, '-E');
    case 'del-service':
      return `-D ${ruleServiceName(op.id)}`;
    case 'add-dest':
      return ruleDest(op.service, op.dest, '-a') + thresholds(op.dest);
    case 'edit-dest':
      return ruleDest(op.service, op.dest, '-e') + thresholds(op.dest);
    case 'del-dest':
      return `-d ${ruleServiceName(op.service)} -r ${hostPort(op.dest.address, op.dest.port)}`;
    case 'flush':
      return '-C';
    case 'zero':
      return op.service ? `-Z ${ruleServiceName(op.service)}` : '-Z';
  }
}

/** print_largenum without --exact: 9 columns, scaled K/M/G/T past 100 million. */
export function largeNum(i: bigint): string {
  if (i < 100000000n) return String(i).padStart(9);
  if (i < 1000000000n) return `${String(i / 1000n).padStart(8)}K`;
  if (i < 100000000000n) return `${String(i / 1000000n).padStart(8)}M`;
  if (i < 100000000000000n) return `${String(i / 1000000000n).padStart(8)}G`;
  return `${String(i / 1000000000000n).padStart(8)}T`;
}

function listServiceName(id: ServiceId): string {
  if (id.fwmark !== undefined) return id.af === 'inet6' ? `FWM  ${id.fwmark} IPv6` : `FWM  ${id.fwmark}`;
  return `${id.protocol.toUpperCase().padEnd(4)} ${hostPort(id.address, id.port)}`;
}

function listService(s: TableService): string {
  let out = `${listServiceName(s.id)} ${s.scheduler}`;
  if (s.flags & SCHED_BITS) out += ` (${schedFlagNames(s)})`;
  if (s.flags & C.IP_VS_SVC_F_PERSISTENT)
    out += ` persistent ${s.timeout}${maskPart(s, 'mask')}${s.pe ? ` pe ${s.pe}` : ''}`;
  if (s.flags & C.IP_VS_SVC_F_ONEPACKET) out += ' ops';
  return out;
}

const ZERO: Stats = zeroStats();

function statsCols(st: Stats | undefined): string {
  const s = st ?? ZERO;
  return [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes].map(largeNum).join('');
}

/** `ipvsadm -Ln` (or `-Ln --stats`) for this table; `info` supplies the header's version and size. */
export function formatList(t: IpvsTable, info: IpvsInfo, opts: { stats?: boolean } = {}): string {
  const lines = [`IP Virtual Server version ${info.version} (size=${info.connTabSize})`];
  if (opts.stats)
    lines.push(
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      '  -> RemoteAddress:Port',
    );
  else
    lines.push(
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    );
  for (const s of sortTable(t)) {
    lines.push(opts.stats ? listServiceName(s.id).padEnd(33) + statsCols(s.stats) : listService(s));
    for (const d of s.destinations) {
      const name = `  -> ${hostPort(d.address, d.port).padEnd(28)}`;
      if (opts.stats) lines.push(name + statsCols(d.stats));
      else
        lines.push(
          `${name} ${FWD_NAME[d.forwarding].padEnd(7)} ${String(d.weight).padEnd(6)} ${String(d.conns?.active ?? 0).padEnd(10)} ${String(d.conns?.inactive ?? 0).padEnd(10)}`,
        );
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * JSON of the table (for `lvsd ipvs list --json`), sorted as ipvsadm lists it; 64-bit counters beyond 2^53
 * become strings.
 */
export function formatJson(info: IpvsInfo, table: IpvsTable): string {
  const big = (_k: string, v: unknown): unknown =>
    typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v;
  return JSON.stringify({ version: info.version, connTabSize: info.connTabSize, services: sortTable(table) }, big, 2);
}
