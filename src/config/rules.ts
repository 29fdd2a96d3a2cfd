/**
 * Cross-field rules of the config, over the typed view of the file (view.ts): a rule reads only
 * fields that passed their own schema, and is skipped when one it needs did not (the field schema
 * reports that). So one pass reports field problems and cross-field problems together. Rules about
 * one field alone (ranges, whole seconds) are part of that field's schema (schema.ts).
 */
import { isIP } from 'node:net';
import { canonicalIp } from '../../native/ip.js';
import { SCHEDULER_FLAGS } from '../ipvs/constants.js';
import { groupProblems, maxSyncMaxlen } from '../ipvs/sync-daemon.js';
import { familyOf, hostPort, type Family } from '../ipvs/types.js';
import { dottedMask, fwmarkFamily, parseHostPort } from './normalize.js';
import { announceRules } from './announce-rules.js';
import { suggestion } from './fields.js';
import type { SyncTable } from './sync-schema.js';
import type { FileView, Seen, VrrpView, VsView } from './view.js';

/** One cross-field problem; `path` is the key path in the file. */
export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

type Path = (string | number)[];
type Emit = (path: Path, message: string) => void;

/** Runs every cross-field rule over the file's view; returns all problems found. */
export function crossRules(f: FileView): RuleProblem[] {
  const out: RuleProblem[] = [];
  const emit: Emit = (path, message) => out.push({ path, message });
  uniqueServices(f.virtual_server, emit);
  for (const vs of f.virtual_server) virtualServerRules(vs, ['virtual_server', vs.at], emit);
  const names = new Set(f.virtual_server.flatMap((vs) => (vs.v.name === undefined ? [] : [vs.v.name])));
  vrrpRules(f.vrrp_instance, names, emit);
  announceRules(f, emit);
  if (f.sync) syncRules(f.sync, f.vrrp_instance, emit);
  return out;
}

function uniqueServices(vss: VsView[], emit: Emit): void {
  const names = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const vs of vss) {
    const name = vs.v.name;
    if (name !== undefined && names.has(name))
      emit(['virtual_server', vs.at, 'name'], `duplicate name "${name}" (also virtual_server[${names.get(name)}])`);
    else if (name !== undefined) names.set(name, vs.at);
    const id = identity(vs);
    if (id !== undefined && ids.has(id))
      emit(['virtual_server', vs.at], `duplicate service ${id} (also virtual_server[${ids.get(id)}])`);
    else if (id !== undefined) ids.set(id, vs.at);
  }
}

function identity({ v }: VsView): string | undefined {
  if (v.fwmark !== undefined) return `fwmark ${v.fwmark} ${fwmarkFamily(v.family)}`;
  const a = canonicalIp(v.address);
  return a !== undefined && v.port !== undefined && v.protocol !== undefined
    ? `${v.protocol.toUpperCase()} ${hostPort(a, v.port)}`
    : undefined;
}

function virtualServerRules(vs: VsView, at: Path, emit: Emit): void {
  identityRules(vs, at, emit);
  const vip = canonicalIp(vs.v.address);
  const family = vip ? familyOf(vip) : vs.given.has('fwmark') ? fwmarkFamily(vs.v.family) : undefined;
  persistenceRules(vs, family, at, emit);
  schedulerRules(vs, at, emit);
  tunnelRules(vs, at, emit);
  realServerRules(vs, family, at, emit);
  sorryRules(vs, family, at, emit);
}

function identityRules({ v, given }: VsView, at: Path, emit: Emit): void {
  const hasAddr = given.has('address'),
    hasMark = given.has('fwmark');
  if (hasAddr === hasMark)
    emit(at, hasAddr ? 'give either address + port or fwmark, not both' : 'missing address + port (or fwmark)');
  if (hasAddr && !given.has('port')) emit([...at, 'port'], 'missing port (required with address)');
  if (hasMark && (given.has('port') || given.has('protocol')))
    emit([...at, 'fwmark'], 'a fwmark service takes no port or protocol');
  if (hasAddr && given.has('family'))
    emit([...at, 'family'], 'family is only for fwmark services (address-based services take it from address)');
  if (v.port === 0 && !given.has('persistence')) emit([...at, 'port'], 'port 0 (all ports) needs persistence');
  if (v.one_packet === true && hasAddr && v.protocol !== 'udp')
    emit([...at, 'one_packet'], 'one_packet needs protocol = "udp"');
}

function persistenceRules({ v, given }: VsView, family: Family | undefined, at: Path, emit: Emit): void {
  const nm = v.persistence_netmask;
  if (!given.has('persistence')) {
    if (given.has('persistence_netmask')) emit([...at, 'persistence_netmask'], 'persistence_netmask needs persistence');
    if (given.has('persistence_engine')) emit([...at, 'persistence_engine'], 'persistence_engine needs persistence');
  }
  if (family === 'inet' && typeof nm === 'number' && nm > 32)
    emit(
      [...at, 'persistence_netmask'],
      `expected a prefix length 1-32 or a dotted netmask for an IPv4 service, got ${nm}`,
    );
  if (family === 'inet' && typeof nm === 'string' && dottedMask(nm) === undefined)
    emit([...at, 'persistence_netmask'], `"${nm}" is not a contiguous IPv4 netmask`);
  if (family === 'inet6' && typeof nm === 'string')
    emit([...at, 'persistence_netmask'], `an IPv6 service needs a prefix length 1-128, got "${nm}"`);
}

function schedulerRules(vs: VsView, at: Path, emit: Emit): void {
  const sched = vs.v.scheduler;
  if (sched === undefined) return;
  for (const { flag, at: j } of vs.scheduler_flags) {
    const owner = SCHEDULER_FLAGS[flag].scheduler;
    if (owner !== sched)
      emit([...at, 'scheduler_flags', j], `flag "${flag}" belongs to scheduler "${owner}", not "${sched}"`);
  }
}

function tunnelRules({ v, given }: VsView, at: Path, emit: Emit): void {
  const tun = v.forwarding === 'tun';
  for (const k of ['tun_type', 'tun_port', 'tun_flags'])
    if (!tun && given.has(k)) emit([...at, k], `${k} needs forwarding = "tun"`);
  if (tun && v.tun_type === 'gue' && !given.has('tun_port'))
    emit([...at, 'tun_port'], 'tun_type = "gue" needs tun_port');
  if (tun && v.tun_type !== 'gue' && given.has('tun_port'))
    emit([...at, 'tun_port'], 'tun_port is only for tun_type = "gue"');
  if (tun && v.tun_flags === 'remcsum' && v.tun_type !== 'gue')
    emit([...at, 'tun_flags'], '"remcsum" is only for tun_type = "gue"');
}

function realServerRules(vs: VsView, family: Family | undefined, at: Path, emit: Emit): void {
  const seen = new Map<string, number>();
  const svcPort = vs.v.port;
  for (const rs of vs.real_server) {
    const here = [...at, 'real_server', rs.at];
    const a = canonicalIp(rs.v.address);
    const port = rs.given.has('port') ? rs.v.port : (svcPort ?? 0);
    const fwd = rs.v.forwarding ?? vs.v.forwarding;
    if (a !== undefined && port !== undefined) {
      const k = hostPort(a, port);
      if (seen.has(k)) emit(here, `duplicate real server ${k} (also real_server[${seen.get(k)}])`);
      else seen.set(k, rs.at);
    }
    if (
      (fwd === 'dr' || fwd === 'tun') &&
      svcPort !== undefined &&
      port !== undefined &&
      port !== svcPort &&
      !vs.given.has('fwmark')
    )
      emit(
        [...here, 'port'],
        `with forwarding = "${fwd}" the real server port must equal the service port ${svcPort}, got ${port}`,
      );
    if (a !== undefined && family !== undefined && familyOf(a) !== family && fwd !== 'tun')
      emit(
        [...here, 'address'],
        `${a} is not of the service's family (${family}); mixed families need forwarding = "tun"`,
      );
    const lo = rs.v.lower_threshold,
      up = rs.v.upper_threshold ?? 0;
    if (lo !== undefined && lo > up)
      emit([...here, 'lower_threshold'], `lower_threshold ${lo} exceeds upper_threshold ${up}`);
  }
}

function sorryRules(vs: VsView, family: Family | undefined, at: Path, emit: Emit): void {
  const { v } = vs;
  const s = v.sorry_server;
  if (s === undefined) return;
  const hp = parseHostPort(s, v.port ?? 0);
  if (!hp) return emit([...at, 'sorry_server'], `expected "address:port", "[v6]:port" or an address, got "${s}"`);
  if (family !== undefined && familyOf(hp.address) !== family)
    emit([...at, 'sorry_server'], `${s} is not of the service's family (${family})`);
  const fwd = v.forwarding;
  if ((fwd === 'dr' || fwd === 'tun') && v.port !== undefined && hp.port !== v.port)
    emit(
      [...at, 'sorry_server'],
      `with forwarding = "${fwd}" the sorry server port must equal the service port ${v.port}, got ${hp.port}`,
    );
  for (const rs of vs.real_server)
    if (canonicalIp(rs.v.address) === hp.address && (rs.given.has('port') ? rs.v.port : v.port) === hp.port)
      emit([...at, 'sorry_server'], `${hostPort(hp.address, hp.port)} is also a real server`);
}

function vrrpRules(vis: VrrpView[], vsNames: ReadonlySet<string>, emit: Emit): void {
  const names = new Map<string, number>();
  const vrids = new Map<string, number>();
  for (const vi of vis) {
    const { name, interface: dev, virtual_router_id: vrid } = vi.v;
    if (name !== undefined && names.has(name))
      emit(['vrrp_instance', vi.at, 'name'], `duplicate name "${name}" (also vrrp_instance[${names.get(name)}])`);
    else if (name !== undefined) names.set(name, vi.at);
    if (dev !== undefined && vrid !== undefined) {
      const key = `${dev}/${vrid}/${isIP(vi.v.virtual_ipaddress?.[0]?.address ?? '')}`;
      if (vrids.has(key))
        emit(
          ['vrrp_instance', vi.at, 'virtual_router_id'],
          `virtual_router_id ${vrid} is already used on ${dev} by vrrp_instance[${vrids.get(key)}]`,
        );
      else vrids.set(key, vi.at);
    }
    for (const t of vi.track_virtual_server)
      if (!vsNames.has(t.name))
        emit(['vrrp_instance', vi.at, 'track_virtual_server', t.at, 'name'], `no virtual_server named "${t.name}"`);
  }
}

/**
 * [sync]: followed instances exist (once each) and may wait for the table (not priority 255);
 * `role` only when standalone, and then required; a multicast group; maxlen within the group's family.
 */
function syncRules(s: Seen<SyncTable>, vis: VrrpView[], emit: Emit): void {
  const { vrrp_instances: names, role, group, maxlen } = s.v;
  const byName = new Map(vis.flatMap((vi) => (vi.v.name === undefined ? [] : [[vi.v.name, vi] as const])));
  const seenNames = new Set<string>();
  names?.forEach((n, i) => {
    const vi = byName.get(n);
    if (seenNames.has(n)) emit(['sync', 'vrrp_instances', i], `"${n}" is listed twice`);
    else if (!vi)
      emit(['sync', 'vrrp_instances', i], `no vrrp_instance named "${n}"${suggestion(n, [...byName.keys()])}`);
    else if (vi.v.priority === 255)
      emit(
        ['sync', 'vrrp_instances', i],
        `vrrp_instance "${n}" has priority 255 (address owner): it becomes master at start without waiting for the connection table (startup_delay cannot apply); give it 254`,
      );
    seenNames.add(n);
  });
  const tied = (names?.length ?? 0) > 0;
  if (tied && role !== undefined)
    emit(['sync', 'role'], 'role is for a standalone section: with vrrp_instances the daemons follow VRRP');
  if (!tied && names !== undefined && role === undefined && !s.given.has('role'))
    emit(['sync'], 'give vrrp_instances (the daemons follow VRRP) or role (standalone: "master" or "backup")');
  for (const p of groupProblems(group)) emit(['sync', 'group'], p);
  if (maxlen !== undefined && group !== undefined && maxlen > maxSyncMaxlen(group))
    emit(['sync', 'maxlen'], `at most ${maxSyncMaxlen(group)} with the IPv6 group ${group}, got ${maxlen}`);
}
