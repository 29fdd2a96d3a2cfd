/**
 * Config → kernel terms: the IPVS `Service` of a virtual server and the `Destination` of a real
 * server (or sorry server) at a given weight. Pure.
 */
import type { VirtualServerConfig, RealServerConfig } from '../config/types.js';
import type { Destination, Family, Service } from '../ipvs/types.js';

/** The kernel service of a virtual server (persistence in whole seconds, netmask in kernel form). */
export function toService(vs: VirtualServerConfig): Service {
  return {
    id: vs.id,
    scheduler: vs.scheduler,
    flags: vs.flags,
    timeout: Math.ceil(vs.persistence / 1000),
    netmask: vs.persistence_netmask,
    ...(vs.persistence_engine ? { pe: vs.persistence_engine } : {}),
  };
}

/** The kernel destination of a real server at `weight`, with the service's tunnel settings. */
export function toDest(
  vs: VirtualServerConfig,
  rs: Pick<RealServerConfig, 'address' | 'port' | 'forwarding' | 'upper_threshold' | 'lower_threshold'> & {
    family: Family;
  },
  weight: number,
): Destination {
  const d: Destination = {
    af: rs.family,
    address: rs.address,
    port: rs.port,
    forwarding: rs.forwarding,
    weight,
    upperThreshold: rs.upper_threshold,
    lowerThreshold: rs.lower_threshold,
  };
  if (rs.forwarding === 'tun') {
    d.tunType = vs.tun_type ?? 'ipip';
    if (vs.tun_port !== undefined) d.tunPort = vs.tun_port;
    if (vs.tun_flags !== undefined) d.tunFlags = vs.tun_flags;
  }
  return d;
}

/** The sorry server of a virtual server as a destination at weight 1 (undefined when none). */
export function sorryDest(vs: VirtualServerConfig): Destination | undefined {
  const s = vs.sorry_server;
  if (!s) return undefined;
  return toDest(vs, { ...s, forwarding: vs.forwarding, upper_threshold: 0, lower_threshold: 0 }, 1);
}
