/**
 * The IPVS table model shared by the kernel client, the memory dataplane, the planner and the CLI.
 * Plain data only: no I/O, no classes. Addresses are canonical strings (native/ip.ts).
 */

/** Address family, named as in the kernel (AF_INET / AF_INET6). */
export type Family = 'inet' | 'inet6';
/** Transport protocol of an address-based virtual service. */
export type Protocol = 'tcp' | 'udp' | 'sctp';
/** Forwarding method (IP_VS_CONN_F_*): nat=MASQ 0, local 1, tun 2, dr 3, bypass 4. */
export type Forwarding = 'nat' | 'local' | 'tun' | 'dr' | 'bypass';
/** Tunnel encapsulation for `tun` forwarding (IP_VS_CONN_F_TUNNEL_TYPE_*). */
export type TunnelType = 'ipip' | 'gue' | 'gre';

/** Identity of a virtual service: (family, protocol, address, port) or (family, fwmark). */
export type ServiceId =
  | { af: Family; protocol: Protocol; address: string; port: number; fwmark?: undefined }
  | { af: Family; fwmark: number; protocol?: undefined; address?: undefined; port?: undefined };

/** A virtual service's settings. `flags` excludes IP_VS_SVC_F_HASHED (the kernel sets it). */
export interface Service {
  id: ServiceId;
  scheduler: string;
  /** IP_VS_SVC_F_* bits: PERSISTENT 1, ONEPACKET 4, SCHED1 8, SCHED2 0x10, SCHED3 0x20. */
  flags: number;
  /** Persistence timeout in seconds; 0 when not persistent. */
  timeout: number;
  /** Persistence netmask: IPv4 as a u32 mask (0xffffffff; 255.255.255.0 = 0xffffff00, sent in network byte order), IPv6 as a prefix length (128). */
  netmask: number;
  /** Persistence engine name (e.g. "sip"); empty or absent for none. */
  pe?: string;
}

/** Connection counters of a destination, as dumped by the kernel. */
export interface DestConns {
  active: number;
  inactive: number;
  persistent: number;
}

/** 64-bit traffic statistics (IPVS_STATS_ATTR_*), cumulative since add or zero. */
export interface Stats {
  conns: bigint;
  inpkts: bigint;
  outpkts: bigint;
  inbytes: bigint;
  outbytes: bigint;
  cps: bigint;
  inpps: bigint;
  outpps: bigint;
  inbps: bigint;
  outbps: bigint;
}

/** The Stats keys in IPVS_STATS_ATTR_* order (attribute type = index + 1). */
export const STAT_KEYS: ReadonlyArray<keyof Stats> = [
  'conns',
  'inpkts',
  'outpkts',
  'inbytes',
  'outbytes',
  'cps',
  'inpps',
  'outpps',
  'inbps',
  'outbps',
];

/** All-zero statistics (a new object each call: decoders fill it in). */
export function zeroStats(): Stats {
  return {
    conns: 0n,
    inpkts: 0n,
    outpkts: 0n,
    inbytes: 0n,
    outbytes: 0n,
    cps: 0n,
    inpps: 0n,
    outpps: 0n,
    inbps: 0n,
    outbps: 0n,
  };
}

/** A real server (destination) of a virtual service. */
export interface Destination {
  af: Family;
  address: string;
  port: number;
  forwarding: Forwarding;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunType?: TunnelType;
  tunPort?: number;
  tunFlags?: number;
  /** Present in tables read from a dataplane; ignored when writing. */
  conns?: DestConns;
  stats?: Stats;
}

/** A service and its destinations, as read from (or desired for) the kernel. */
export interface TableService extends Service {
  destinations: Destination[];
  stats?: Stats;
}

/** A whole IPVS table, in no particular order. */
export interface IpvsTable {
  services: TableService[];
}

/** One change to an IPVS table. Every write the daemon and the CLI make is an Op. */
export type Op =
  | { op: 'add-service'; service: Service }
  | { op: 'edit-service'; service: Service }
  | { op: 'del-service'; id: ServiceId }
  | { op: 'add-dest'; service: ServiceId; dest: Destination }
  | { op: 'edit-dest'; service: ServiceId; dest: Destination }
  | { op: 'del-dest'; service: ServiceId; dest: Pick<Destination, 'af' | 'address' | 'port'> }
  | { op: 'flush' }
  | { op: 'zero'; service?: ServiceId };

/** Outcome of one Op, in the same order as the ops given to `apply`. */
export type OpResult = { ok: true } | { ok: false; error: Error & { code?: string } };

/** Family of an address in canonical text (IPv6 canonical text always has a colon, IPv4 never). */
export function familyOf(address: string): Family {
  return address.includes(':') ? 'inet6' : 'inet';
}

/**
 * `addr:port`, with IPv6 in brackets, as ipvsadm prints it. Built by join, which makes one flat
 * string: `+` would make a tree of 2–3 string objects, and these keys live as long as their table
 * entries (at keepalived #2318's size ~3 MB of trees).
 */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? ['[', address, ']:', port].join('') : [address, port].join(':');
}

/** Stable string key of a service identity, e.g. "TCP 10.0.0.1:80" or "FWM 7 inet6". */
export function serviceKey(id: ServiceId): string {
  if (id.fwmark !== undefined) return `FWM ${id.fwmark}${id.af === 'inet6' ? ' inet6' : ''}`;
  return `${id.protocol.toUpperCase()} ${hostPort(id.address, id.port)}`; // mostly short-lived: a diff's map keys
}

/** Stable string key of a destination within its service, e.g. "10.0.0.2:8080". */
export function destKey(d: Pick<Destination, 'address' | 'port'>): string {
  return hostPort(d.address, d.port);
}
