/**
 * The kernel's connection-sync daemons (IPVS_CMD_NEW/DEL/GET_DAEMON), pure: the model, the checks
 * the kernel does not make, the request encoders and the reply decoder.
 *
 * A request carries one IPVS_CMD_ATTR_DAEMON nest, written as ipvsadm 1.31 writes it (checked
 * byte for byte against test/fixtures/ipvs/daemon-*.strace):
 *   NEW_DAEMON [DAEMON|NLA_F_NESTED [STATE u32][MCAST_IFN "eth0\0"][SYNC_ID u32]
 *                                   [SYNC_MAXLEN u16][MCAST_PORT u16][MCAST_TTL u8][MCAST_GROUP be32 | MCAST_GROUP6 16B]]
 *   DEL_DAEMON [DAEMON|NLA_F_NESTED [STATE u32][MCAST_IFN ""][SYNC_ID 0]]   (the kernel reads STATE only)
 *   GET_DAEMON dump, no attributes; one NEW_DAEMON message per running daemon (master first), whose
 *   nest has no NLA_F_NESTED and every attribute (Linux ≥ 4.3; older kernels send the first three).
 * The port is host byte order on the wire (the kernel applies htons itself).
 *
 * What the kernel does with odd values (ip_vs_ctl.c, ip_vs_sync.c; seen in user-mode Linux 6.1):
 * maxlen, port and ttl of 0 mean "default" (MTU-derived, 8848, 1); a backup's maxlen below 1024 is
 * raised to 1024; a sync id above 255 is accepted but the sync header holds one byte, so a backup
 * with such an id drops every message; a group that is not multicast is EINVAL. `syncDaemonProblems`
 * turns each of those into an error instead (keepalived #1646: 0 silently ignored).
 */
import {
  attr,
  attrNested,
  attrStr,
  attrU16,
  attrU32,
  attrU8,
  parseAttrs,
  readStr,
  readU16,
  readU32,
  readU8,
  type AttrMap,
} from '../netlink/attributes.js';
import { NetlinkDecodeError, type NetlinkError } from '../netlink/errors.js';
import { decodeGenl, genlPayload } from '../netlink/genl.js';
import type { IpvsRequest } from './codec.js';
import * as C from './constants.js';
import { IpvsError, SyncDaemonError } from './errors.js';
import { ipaddr, ipBytes, ipText } from '../../native/ip.js';

/** Which of the two daemons: the master sends the connection table, the backup receives it. */
export type SyncState = 'master' | 'backup';

/** One sync daemon, as started or as the kernel reports it. Optional fields left out take the kernel's defaults. */
export interface SyncDaemon {
  state: SyncState;
  /** The multicast interface (mcast_ifn): where the master sends and the backup listens. */
  interface: string;
  /** SyncID 0-255 written in each message; a backup with a non-zero id takes only messages with that id. */
  syncId: number;
  /** UDP payload size of sync messages (default: from the MTU, at most 1472 on a master). */
  maxlen?: number;
  /** IPv4 or IPv6 multicast group (default 224.0.0.81). */
  group?: string;
  /** UDP port (default 8848); with net.ipv4.vs.sync_ports = N the kernel uses port .. port+N-1. */
  port?: number;
  /** Multicast TTL (default 1). */
  ttl?: number;
}

const STATE_NUM: Record<SyncState, number> = { master: C.IP_VS_STATE_MASTER, backup: C.IP_VS_STATE_BACKUP };

/** UDP + IP header bytes the kernel keeps out of maxlen (ip_vs_sync.c: 65535 - hlen is the largest). */
function headerLen(group: string | undefined): number {
  return group !== undefined && group.includes(':') ? 48 : 28;
}

/** Largest maxlen the kernel keeps as given for a daemon sending to `group`. */
export function maxSyncMaxlen(group?: string): number {
  return 65535 - headerLen(group);
}

/** The smallest maxlen a backup keeps (below it the kernel raises the value to 1024). */
export const MIN_BACKUP_MAXLEN = 1024;

/**
 * Everything about `d` that the kernel would refuse, ignore or change without saying, one
 * sentence each (empty when `d` is fine). `roles` are the states it will run as (a config section
 * runs as both, so its maxlen must suit a backup too).
 */
export function syncDaemonProblems(
  d: Partial<SyncDaemon>,
  roles: readonly SyncState[] = [d.state ?? 'master'],
): string[] {
  const out: string[] = [];
  if (d.state !== undefined && STATE_NUM[d.state] === undefined)
    out.push(`state must be "master" or "backup", not "${String(d.state)}"`);
  const ifn = d.interface;
  if (ifn === undefined || ifn === '') out.push('the multicast interface is required');
  else if (Buffer.byteLength(ifn) >= C.IP_VS_IFNAME_MAXLEN || ifn === '.' || ifn === '..' || /[\s/:]/.test(ifn))
    out.push(`"${ifn}" is not an interface name (at most ${C.IP_VS_IFNAME_MAXLEN - 1} bytes, no "/", ":" or spaces)`);
  if (d.syncId !== undefined && !(Number.isInteger(d.syncId) && d.syncId >= 0 && d.syncId <= 255))
    out.push(
      `sync id ${d.syncId} is outside 0-255 (the sync message header holds one byte; a backup would drop every message)`,
    );
  out.push(...groupProblems(d.group));
  if (d.maxlen !== undefined) {
    const max = maxSyncMaxlen(d.group);
    const min = roles.includes('backup') ? MIN_BACKUP_MAXLEN : 1;
    if (d.maxlen === 0)
      out.push('maxlen 0 is taken by the kernel as "not set" (it uses the MTU): leave maxlen out instead');
    else if (!(Number.isInteger(d.maxlen) && d.maxlen >= min && d.maxlen <= max))
      out.push(
        `maxlen ${d.maxlen} is outside ${min}-${max}${min > 1 ? ' (a backup raises anything below 1024 to 1024)' : ''}`,
      );
  }
  if (d.port !== undefined) {
    if (d.port === 0) out.push('port 0 is taken by the kernel as "not set" (it uses 8848): leave port out instead');
    else if (!(Number.isInteger(d.port) && d.port >= 1 && d.port <= 65535))
      out.push(`port ${d.port} is outside 1-65535`);
  }
  if (d.ttl !== undefined) {
    if (d.ttl === 0) out.push('ttl 0 is taken by the kernel as "not set" (it uses 1): leave ttl out instead');
    else if (!(Number.isInteger(d.ttl) && d.ttl >= 1 && d.ttl <= 255)) out.push(`ttl ${d.ttl} is outside 1-255`);
  }
  return out;
}

/** Why `group` cannot be a sync group (not an address, not multicast), or none. */
export function groupProblems(group: string | undefined): string[] {
  if (group === undefined) return [];
  try {
    if (ipaddr().parse(group).range() === 'multicast') return [];
  } catch {
    return [`group "${group}" is not an IP address`];
  }
  return [`group ${group} is not a multicast address (224.0.0.0/4 or ff00::/8); the kernel refuses it`];
}

function check(d: SyncDaemon, roles: readonly SyncState[]): void {
  const problems = syncDaemonProblems(d, roles);
  if (problems.length > 0) throw new IpvsError('IPVS_INVALID', `sync daemon: ${problems.join('; ')}`);
}

/** "master eth0 syncid 5": a daemon's name in errors and logs. */
export function syncDaemonName(d: Pick<SyncDaemon, 'state' | 'interface' | 'syncId'>): string {
  return `${d.state} ${d.interface} syncid ${d.syncId}`;
}

function request(cmd: number, attrs: Buffer[], op: string, dump = false): IpvsRequest {
  const r: IpvsRequest = {
    cmd,
    payload: genlPayload(cmd, C.IPVS_GENL_VERSION, attrs),
    op: `${C.IPVS_CMD_NAMES[cmd]}${op ? ' ' + op : ''}`,
  };
  if (dump) r.dump = true;
  return r;
}

/** NEW_DAEMON for `d`. Throws IpvsError 'IPVS_INVALID' listing every problem syncDaemonProblems finds. */
export function encodeNewDaemon(d: SyncDaemon): IpvsRequest {
  check(d, [d.state]);
  const attrs = [
    attrU32(C.IPVS_DAEMON_ATTR_STATE, STATE_NUM[d.state]),
    attrStr(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.interface),
    attrU32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId),
  ];
  if (d.maxlen !== undefined) attrs.push(attrU16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.maxlen));
  if (d.port !== undefined) attrs.push(attrU16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.port));
  if (d.ttl !== undefined) attrs.push(attrU8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl));
  if (d.group !== undefined) {
    const g = ipBytes(d.group); // checked above
    const type = g.length === 16 ? C.IPVS_DAEMON_ATTR_MCAST_GROUP6 : C.IPVS_DAEMON_ATTR_MCAST_GROUP;
    attrs.push(attr(type, g));
  }
  return request(C.IPVS_CMD_NEW_DAEMON, [attrNested(C.IPVS_CMD_ATTR_DAEMON, attrs, true)], syncDaemonName(d));
}

/** DEL_DAEMON of the `state` daemon (the interface and id are not needed: there is one of each). */
export function encodeDelDaemon(state: SyncState): IpvsRequest {
  if (STATE_NUM[state] === undefined)
    throw new IpvsError('IPVS_INVALID', `sync daemon: state must be "master" or "backup", not "${String(state)}"`);
  const nest = attrNested(
    C.IPVS_CMD_ATTR_DAEMON,
    [
      attrU32(C.IPVS_DAEMON_ATTR_STATE, STATE_NUM[state]),
      attrStr(C.IPVS_DAEMON_ATTR_MCAST_IFN, ''),
      attrU32(C.IPVS_DAEMON_ATTR_SYNC_ID, 0),
    ],
    true,
  );
  return request(C.IPVS_CMD_DEL_DAEMON, [nest], state);
}

/** GET_DAEMON dump: one reply per running daemon. */
export function encodeGetDaemons(): IpvsRequest {
  return request(C.IPVS_CMD_GET_DAEMON, [], '', true);
}

function need(m: AttrMap, type: number, what: string): Buffer {
  const v = m.get(type);
  if (v === undefined) throw new NetlinkDecodeError(`sync daemon reply without ${what}`);
  return v;
}

/** One GET_DAEMON reply (genl payload) → daemon. Throws NetlinkDecodeError on anything malformed. */
export function decodeDaemonMsg(payload: Buffer): SyncDaemon {
  const { attrs } = decodeGenl(payload);
  const m = parseAttrs(need(attrs, C.IPVS_CMD_ATTR_DAEMON, 'IPVS_CMD_ATTR_DAEMON'));
  const stateNum = readU32(need(m, C.IPVS_DAEMON_ATTR_STATE, 'IPVS_DAEMON_ATTR_STATE'));
  const state: SyncState | undefined =
    stateNum === C.IP_VS_STATE_MASTER ? 'master' : stateNum === C.IP_VS_STATE_BACKUP ? 'backup' : undefined;
  if (state === undefined) throw new NetlinkDecodeError(`unknown sync daemon state ${stateNum}`);
  const d: SyncDaemon = {
    state,
    interface: readStr(need(m, C.IPVS_DAEMON_ATTR_MCAST_IFN, 'IPVS_DAEMON_ATTR_MCAST_IFN')),
    syncId: readU32(need(m, C.IPVS_DAEMON_ATTR_SYNC_ID, 'IPVS_DAEMON_ATTR_SYNC_ID')),
  };
  const maxlen = m.get(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  if (maxlen !== undefined) d.maxlen = readU16(maxlen);
  const g4 = m.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP);
  const g6 = m.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP6);
  if (g6 !== undefined) d.group = ipText(sized(g6, 16, 'IPVS_DAEMON_ATTR_MCAST_GROUP6'));
  else if (g4 !== undefined) d.group = ipText(sized(g4, 4, 'IPVS_DAEMON_ATTR_MCAST_GROUP'));
  const port = m.get(C.IPVS_DAEMON_ATTR_MCAST_PORT);
  if (port !== undefined) d.port = readU16(port);
  const ttl = m.get(C.IPVS_DAEMON_ATTR_MCAST_TTL);
  if (ttl !== undefined) d.ttl = readU8(ttl);
  return d;
}

function sized(b: Buffer, n: number, what: string): Buffer {
  if (b.length < n) throw new NetlinkDecodeError(`${what} of ${b.length} bytes, need ${n}`);
  return b.subarray(0, n);
}

/** `ipvsadm -L --daemon` text for `daemons` (kernel order: master, then backup). */
export function formatDaemons(daemons: readonly SyncDaemon[]): string {
  return daemons
    .map((d) => {
      let s = `${d.state} sync daemon (mcast=${d.interface}, syncid=${d.syncId}`;
      if (d.maxlen) s += `, maxlen=${d.maxlen}`;
      if (d.group !== undefined) s += `, group=${d.group}`;
      if (d.port) s += `, port=${d.port}`;
      if (d.ttl) s += `, ttl=${d.ttl}`;
      return s + ')\n';
    })
    .join('');
}

/** A refusal of starting `d` (or stopping the `d` daemon, a state) said in words, as a SyncDaemonError. */
export function syncRefusal(e: NetlinkError, d: SyncDaemon | SyncState): SyncDaemonError {
  const start = typeof d !== 'string';
  const state = start ? d.state : d;
  const why = start ? startRefusal(e, d) : e.code === 'ESRCH' ? `no ${state} sync daemon is running` : undefined;
  const head = start
    ? `cannot start the ${state} sync daemon (${d.interface} syncid ${d.syncId})`
    : `cannot stop the ${state} sync daemon`;
  return new SyncDaemonError(e.code, `${head}: ${why ?? e.message}`, { cause: e });
}

function startRefusal(e: NetlinkError, d: SyncDaemon): string | undefined {
  switch (e.code) {
    case 'EEXIST':
      return `a ${d.state} sync daemon is already running in this network namespace (the kernel runs at most one master and one backup); stop it first`;
    case 'ENODEV':
      return `no interface "${d.interface}" in this network namespace`;
    case 'EINVAL':
      return 'the kernel refused the settings (EINVAL): a virtual service has destinations of another address family, which the sync protocol cannot carry, or the group is not multicast';
    case 'EAFNOSUPPORT':
      return 'this kernel has no IPv6 support in IPVS, so an IPv6 group cannot be used (EAFNOSUPPORT)';
    default:
      return undefined;
  }
}
