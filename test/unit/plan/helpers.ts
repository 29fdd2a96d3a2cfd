/** Test helpers for the planner: configs from TOML text (through the real loader), small tables. */
import { parseConfig, formatProblems } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import type { Destination, IpvsTable, Service, ServiceId, TableService } from '../../../src/ipvs/types.js';

/** Loads config text or throws with the problems. */
export function config(text: string): Config {
  const r = parseConfig(text, 'test.toml');
  if (!r.ok) throw new Error(formatProblems('test.toml', r.problems));
  return r.config;
}

/** A TCP service id on 10.0.0.<n>:80. */
export function sid(n: number, port = 80): ServiceId {
  return { af: 'inet', protocol: 'tcp', address: `10.0.0.${n}`, port };
}

/** A service with dests. */
export function svc(id: ServiceId, dests: Destination[], extra: Partial<Service> = {}): TableService {
  return { id, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, ...extra, destinations: dests };
}

/** A NAT dest on port 8080. */
export function dst(address: string, weight = 1, extra: Partial<Destination> = {}): Destination {
  return { af: 'inet', address, port: 8080, forwarding: 'nat', weight, upperThreshold: 0, lowerThreshold: 0, ...extra };
}

/** A table of services. */
export function table(...services: TableService[]): IpvsTable {
  return { services };
}
