/**
 * Raw-side helpers of the config schema: check inheritance before validation, and the mapping from
 * validated tables to the normalized `Config` (canonical addresses, kernel units, defaults).
 */
import type { z } from 'zod';
import { mergeCheck } from '../health/schema.js';
import { canonicalIp } from '../../native/ip.js';
import * as C from '../ipvs/constants.js';
import { destKey, familyOf, serviceKey, type Family, type ServiceId } from '../ipvs/types.js';
import { splitHostPort } from '../util/host-port.js';
import { ecmpDestOrder } from '../announce/ecmp.js';
import { isTable } from './fields.js';
import type { fileSchema } from './schema.js';
import type { Config, GlobalConfig, RealServerConfig, SyncConfig, VirtualServerConfig } from './types.js';

type File = z.output<typeof fileSchema>;
type RawVs = File['virtual_server'][number];
type RawRs = RawVs['real_server'][number];

const TUN_FLAGS = {
  nocsum: C.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
  csum: C.IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  remcsum: C.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
} as const;

/**
 * Returns a copy of the raw file in which every real server's `check` table is merged over its
 * virtual server's `check` (health/schema.ts `mergeCheck`). Anything not shaped as expected is left alone
 * for the schema to report.
 */
export function inheritChecks(raw: unknown): unknown {
  if (!isTable(raw) || !Array.isArray(raw.virtual_server)) return raw;
  const virtual_server = raw.virtual_server.map((vs) => {
    if (!isTable(vs) || !Array.isArray(vs.real_server) || !isTable(vs.check)) return vs;
    if (!vs.real_server.some(hasOwnCheck)) return vs; // the common case: no copy of 10,000 tables
    const real_server = vs.real_server.map((rs) =>
      isTable(rs) && isTable(rs.check) ? { ...rs, check: mergeCheck(vs.check, rs.check) } : rs,
    );
    return { ...vs, real_server };
  });
  return { ...raw, virtual_server };
}

const hasOwnCheck = (rs: unknown): boolean => isTable(rs) && isTable(rs.check);

/** "10.0.0.1:80", "[::1]:80", "10.0.0.1" or "::1" as a canonical address and a port (default `port`). */
export function parseHostPort(s: string, port: number): { address: string; port: number } | undefined {
  const hp = splitHostPort(s);
  const address = canonicalIp(hp.host);
  const n = hp.port ?? port;
  return address === undefined || n > 65535 ? undefined : { address, port: n };
}

/** A dotted IPv4 netmask as a u32, or undefined when not a contiguous mask. */
export function dottedMask(s: string): number | undefined {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const inv = ~n >>> 0;
  return (inv & (inv + 1)) === 0 ? n : undefined;
}

/** Kernel netmask for a family: IPv4 u32 mask, IPv6 prefix length. */
export function kernelNetmask(family: Family, v: string | number | undefined): number {
  if (family === 'inet6') return typeof v === 'number' ? v : 128;
  if (typeof v === 'string') return dottedMask(v) ?? 0xffffffff;
  return v === undefined ? 0xffffffff : (0xffffffff << (32 - v)) >>> 0;
}

/** Validated file → normalized Config. Only called when there are no problems. */
export function normalize(f: File): Config {
  const c: Config = {
    global: normalizeGlobal(f.global),
    ...(f.announce ? { announce: { ...f.announce, vips: f.announce.vips.map((a) => canonicalIp(a)!) } } : {}),
    virtual_server: f.virtual_server.map(normalizeVs),
    vrrp_instance: f.vrrp_instance,
  };
  if (f.sync) c.sync = normalizeSync(f.sync, f.vrrp_instance);
  return c;
}

function normalizeSync(s: NonNullable<File['sync']>, vrrp: File['vrrp_instance']): SyncConfig {
  const first = vrrp.find((v) => v.name === s.vrrp_instances[0]);
  const { group, sync_id, ...rest } = s;
  return {
    ...rest,
    sync_id: sync_id ?? first?.virtual_router_id ?? 0,
    ...(group !== undefined ? { group: canonicalIp(group)! } : {}),
  };
}

function normalizeGlobal(g: File['global']): GlobalConfig {
  const { metrics_listen, ...rest } = g;
  const hp = metrics_listen === undefined ? undefined : splitHostPort(metrics_listen);
  return { ...rest, ...(hp?.port !== undefined ? { metrics_listen: { host: hp.host, port: hp.port } } : {}) };
}

/** Family of a fwmark service: `family`, inet when not given. */
export function fwmarkFamily(family: Family | undefined): Family {
  return family ?? 'inet';
}

function serviceIdOf(vs: RawVs): ServiceId {
  if (vs.fwmark !== undefined) return { af: fwmarkFamily(vs.family), fwmark: vs.fwmark };
  const address = canonicalIp(vs.address)!;
  return { af: familyOf(address), protocol: vs.protocol, address, port: vs.port! };
}

function flagsOf(vs: RawVs): number {
  let flags = vs.persistence ? C.IP_VS_SVC_F_PERSISTENT : 0;
  if (vs.one_packet) flags |= C.IP_VS_SVC_F_ONEPACKET;
  for (const f of vs.scheduler_flags) flags |= C.SCHEDULER_FLAGS[f].bit;
  return flags;
}

function normalizeVs(vs: RawVs): VirtualServerConfig {
  const id = serviceIdOf(vs);
  const port = id.port ?? 0;
  const sorry = vs.sorry_server === undefined ? undefined : parseHostPort(vs.sorry_server, port);
  const tun = vs.forwarding === 'tun';
  return {
    name: vs.name,
    id,
    key: serviceKey(id),
    family: id.af,
    protocol: vs.protocol,
    scheduler: vs.scheduler,
    scheduler_flags: vs.scheduler_flags,
    flags: flagsOf(vs),
    forwarding: vs.forwarding,
    ...(tun ? { tun_type: vs.tun_type ?? 'ipip', tun_flags: TUN_FLAGS[vs.tun_flags ?? 'nocsum'] } : {}),
    ...(tun && vs.tun_port !== undefined ? { tun_port: vs.tun_port } : {}),
    persistence: vs.persistence ?? 0,
    persistence_netmask: kernelNetmask(id.af, vs.persistence_netmask),
    ...(vs.persistence_engine ? { persistence_engine: vs.persistence_engine } : {}),
    one_packet: vs.one_packet,
    ecmp: vs.ecmp,
    quorum: vs.quorum,
    quorum_hysteresis: vs.quorum_hysteresis,
    ...(sorry ? { sorry_server: { ...sorry, family: familyOf(sorry.address) } } : {}),
    ...(vs.quorum_up ? { quorum_up: vs.quorum_up } : {}),
    ...(vs.quorum_down ? { quorum_down: vs.quorum_down } : {}),
    on_failure: vs.on_failure,
    maintenance: vs.maintenance,
    slow_start: vs.slow_start ?? 0,
    ...(vs.check ? { check: vs.check } : {}),
    real_server: realServers(vs, port),
  };
}

/** The real servers, in ecmpDestOrder for an ecmp service (every director adds them in that order). */
function realServers(vs: RawVs, port: number): RealServerConfig[] {
  const list = vs.real_server.map((rs) => normalizeRs(rs, vs, port));
  return vs.ecmp ? ecmpDestOrder(list) : list;
}

function normalizeRs(rs: RawRs, vs: RawVs, servicePort: number): RealServerConfig {
  const address = canonicalIp(rs.address)!;
  const port = rs.port ?? servicePort;
  const check = rs.check ?? vs.check;
  return {
    address,
    port,
    family: familyOf(address),
    weight: rs.weight,
    upper_threshold: rs.upper_threshold,
    lower_threshold: rs.lower_threshold,
    forwarding: rs.forwarding ?? vs.forwarding,
    ...(check ? { check } : {}),
    key: destKey({ address, port }),
  };
}
