/**
 * Cross-field rules of the config. They read the raw (check-merged) TOML leniently: a rule whose
 * inputs are malformed is skipped, because the field schema already reports those. So one pass
 * reports field problems and cross-field problems together.
 */
import { isIP } from 'node:net';
import { canonicalIp } from '../../native/ip.js';
import { familyOf, hostPort, type Family } from '../ipvs/types.js';
import { parseDuration } from '../util/duration.js';
import { isTable } from './fields.js';
import { dottedMask, parseHostPort } from './normalize.js';

/** One cross-field problem; `path` is the key path in the file. */
export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

type T = Record<string, unknown>;
type Emit = (path: (string | number)[], message: string) => void;
const SCHED_OF_FLAG: Record<string, string> = {
  'sh-fallback': 'sh',
  'sh-port': 'sh',
  'mh-fallback': 'mh',
  'mh-port': 'mh',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const ip = canonicalIp;
const ms = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  try {
    return parseDuration(v);
  } catch {
    return undefined;
  }
};
const tables = (v: unknown): [T, number][] =>
  Array.isArray(v) ? v.map((x, i) => [x, i] as [unknown, number]).filter((e): e is [T, number] => isTable(e[0])) : [];

/** Runs every cross-field rule over the raw file; returns all problems found. */
export function crossRules(raw: unknown): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (!isTable(raw)) return out;
  const emit: Emit = (path, message) => out.push({ path, message });
  const vss = tables(raw.virtual_server);
  uniqueServices(vss, emit);
  for (const [vs, i] of vss) virtualServerRules(vs, ['virtual_server', i], emit);
  vrrpRules(raw, new Set(vss.map(([vs]) => str(vs.name)).filter((n) => n !== undefined)), emit);
  globalRules(raw.global, emit);
  return out;
}

function globalRules(g: unknown, emit: Emit): void {
  if (!isTable(g)) return;
  const m = str(g.metrics_listen) && /:(\d+)$/.exec(g.metrics_listen as string);
  if (m && (Number(m[1]) < 1 || Number(m[1]) > 65535))
    emit(['global', 'metrics_listen'], `port must be 1-65535, got ${m[1]}`);
  const resync = ms(g.resync_interval);
  if (resync !== undefined && resync < 1000)
    emit(['global', 'resync_interval'], `must be at least 1s, got "${g.resync_interval}"`);
  const drain = ms(g.drain_timeout);
  if (drain !== undefined && drain < 1000)
    emit(['global', 'drain_timeout'], `must be at least 1s, got "${g.drain_timeout}"`);
}

function uniqueServices(vss: [T, number][], emit: Emit): void {
  const names = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const [vs, i] of vss) {
    const name = str(vs.name);
    if (name !== undefined && names.has(name))
      emit(['virtual_server', i, 'name'], `duplicate name "${name}" (also virtual_server[${names.get(name)}])`);
    else if (name !== undefined) names.set(name, i);
    const id = identity(vs);
    if (id !== undefined && ids.has(id))
      emit(['virtual_server', i], `duplicate service ${id} (also virtual_server[${ids.get(id)}])`);
    else if (id !== undefined) ids.set(id, i);
  }
}

function identity(vs: T): string | undefined {
  const fw = num(vs.fwmark);
  if (fw !== undefined) return `fwmark ${fw} ${str(vs.family) ?? 'inet'}`;
  const a = ip(vs.address),
    p = num(vs.port);
  return a !== undefined && p !== undefined
    ? `${(str(vs.protocol) ?? 'tcp').toUpperCase()} ${hostPort(a, p)}`
    : undefined;
}

function virtualServerRules(vs: T, at: (string | number)[], emit: Emit): void {
  identityRules(vs, at, emit);
  const vip = ip(vs.address);
  const family: Family | undefined = vip
    ? familyOf(vip)
    : vs.fwmark !== undefined
      ? str(vs.family) === 'inet6'
        ? 'inet6'
        : 'inet'
      : undefined;
  persistenceRules(vs, family, at, emit);
  schedulerRules(vs, at, emit);
  tunnelRules(vs, at, emit);
  realServerRules(vs, family, at, emit);
  sorryRules(vs, family, at, emit);
}

function identityRules(vs: T, at: (string | number)[], emit: Emit): void {
  const hasAddr = vs.address !== undefined,
    hasMark = vs.fwmark !== undefined;
  if (hasAddr === hasMark)
    emit(at, hasAddr ? 'give either address + port or fwmark, not both' : 'missing address + port (or fwmark)');
  if (hasAddr && vs.port === undefined) emit([...at, 'port'], 'missing port (required with address)');
  if (hasMark && (vs.port !== undefined || vs.protocol !== undefined))
    emit([...at, 'fwmark'], 'a fwmark service takes no port or protocol');
  if (hasAddr && vs.family !== undefined)
    emit([...at, 'family'], 'family is only for fwmark services (address-based services take it from address)');
  if (num(vs.port) === 0 && vs.persistence === undefined) emit([...at, 'port'], 'port 0 (all ports) needs persistence');
  if (vs.one_packet === true && hasAddr && (str(vs.protocol) ?? 'tcp') !== 'udp')
    emit([...at, 'one_packet'], 'one_packet needs protocol = "udp"');
}

function persistenceRules(vs: T, family: Family | undefined, at: (string | number)[], emit: Emit): void {
  const nm = vs.persistence_netmask;
  if (vs.persistence === undefined) {
    if (nm !== undefined) emit([...at, 'persistence_netmask'], 'persistence_netmask needs persistence');
    if (vs.persistence_engine !== undefined)
      emit([...at, 'persistence_engine'], 'persistence_engine needs persistence');
  } else {
    const p = ms(vs.persistence);
    if (p !== undefined && (p < 1000 || p % 1000 !== 0 || p / 1000 > 0xffffffff))
      emit([...at, 'persistence'], `expected whole seconds of at least 1s, got "${vs.persistence}"`);
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

function schedulerRules(vs: T, at: (string | number)[], emit: Emit): void {
  const sched = str(vs.scheduler) ?? 'wlc';
  if (!Array.isArray(vs.scheduler_flags)) return;
  vs.scheduler_flags.forEach((f, j) => {
    const owner = typeof f === 'string' ? SCHED_OF_FLAG[f] : undefined;
    if (owner !== undefined && owner !== sched)
      emit([...at, 'scheduler_flags', j], `flag "${f}" belongs to scheduler "${owner}", not "${sched}"`);
  });
}

function tunnelRules(vs: T, at: (string | number)[], emit: Emit): void {
  const tun = vs.forwarding === 'tun';
  for (const k of ['tun_type', 'tun_port', 'tun_flags'])
    if (!tun && vs[k] !== undefined) emit([...at, k], `${k} needs forwarding = "tun"`);
  if (tun && vs.tun_type === 'gue' && vs.tun_port === undefined)
    emit([...at, 'tun_port'], 'tun_type = "gue" needs tun_port');
  if (tun && vs.tun_type !== 'gue' && vs.tun_port !== undefined)
    emit([...at, 'tun_port'], 'tun_port is only for tun_type = "gue"');
  if (tun && vs.tun_flags === 'remcsum' && vs.tun_type !== 'gue')
    emit([...at, 'tun_flags'], '"remcsum" is only for tun_type = "gue"');
}

function realServerRules(vs: T, family: Family | undefined, at: (string | number)[], emit: Emit): void {
  const seen = new Map<string, number>();
  const svcPort = num(vs.port);
  for (const [rs, j] of tables(vs.real_server)) {
    const here = [...at, 'real_server', j];
    const a = ip(rs.address);
    const port = rs.port === undefined ? (svcPort ?? 0) : num(rs.port);
    const fwd = str(rs.forwarding) ?? str(vs.forwarding) ?? 'nat';
    if (a !== undefined && port !== undefined) {
      const k = hostPort(a, port);
      if (seen.has(k)) emit(here, `duplicate real server ${k} (also real_server[${seen.get(k)}])`);
      else seen.set(k, j);
    }
    if (
      (fwd === 'dr' || fwd === 'tun') &&
      svcPort !== undefined &&
      port !== undefined &&
      port !== svcPort &&
      vs.fwmark === undefined
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
    const lo = num(rs.lower_threshold),
      up = num(rs.upper_threshold) ?? 0;
    if (lo !== undefined && lo > up)
      emit([...here, 'lower_threshold'], `lower_threshold ${lo} exceeds upper_threshold ${up}`);
  }
}

function sorryRules(vs: T, family: Family | undefined, at: (string | number)[], emit: Emit): void {
  const s = str(vs.sorry_server);
  if (s === undefined) return;
  const hp = parseHostPort(s, num(vs.port) ?? 0);
  if (!hp) return emit([...at, 'sorry_server'], `expected "address:port", "[v6]:port" or an address, got "${s}"`);
  if (family !== undefined && familyOf(hp.address) !== family)
    emit([...at, 'sorry_server'], `${s} is not of the service's family (${family})`);
  const fwd = str(vs.forwarding) ?? 'nat';
  if ((fwd === 'dr' || fwd === 'tun') && num(vs.port) !== undefined && hp.port !== vs.port)
    emit(
      [...at, 'sorry_server'],
      `with forwarding = "${fwd}" the sorry server port must equal the service port ${vs.port}, got ${hp.port}`,
    );
  for (const [rs] of tables(vs.real_server))
    if (ip(rs.address) === hp.address && (num(rs.port) ?? num(vs.port)) === hp.port)
      emit([...at, 'sorry_server'], `${hostPort(hp.address, hp.port)} is also a real server`);
}

function vrrpRules(raw: T, vsNames: Set<string>, emit: Emit): void {
  const names = new Map<string, number>();
  const vrids = new Map<string, number>();
  for (const [vi, i] of tables(raw.vrrp_instance)) {
    const name = str(vi.name);
    if (name !== undefined && names.has(name))
      emit(['vrrp_instance', i, 'name'], `duplicate name "${name}" (also vrrp_instance[${names.get(name)}])`);
    else if (name !== undefined) names.set(name, i);
    const key = `${str(vi.interface)}/${num(vi.virtual_router_id)}/${vipFamily(vi.virtual_ipaddress)}`;
    if (vi.interface !== undefined && num(vi.virtual_router_id) !== undefined) {
      if (vrids.has(key))
        emit(
          ['vrrp_instance', i, 'virtual_router_id'],
          `virtual_router_id ${vi.virtual_router_id} is already used on ${str(vi.interface)} by vrrp_instance[${vrids.get(key)}]`,
        );
      else vrids.set(key, i);
    }
    for (const [t, j] of tables(vi.track_virtual_server)) {
      const n = str(t.name);
      if (n !== undefined && !vsNames.has(n))
        emit(['vrrp_instance', i, 'track_virtual_server', j, 'name'], `no virtual_server named "${n}"`);
    }
  }
}

function vipFamily(v: unknown): number {
  const first = Array.isArray(v) ? v[0] : undefined;
  const s = typeof first === 'string' ? first.split('/')[0] : isTable(first) ? str(first.address) : undefined;
  return s ? isIP(s) : 0;
}
