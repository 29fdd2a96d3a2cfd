/**
 * The health targets a config asks for: one per real server with a check, with the id the planner
 * reads its health by (`serverId(vs, rs)`, "web|10.0.0.2:8080").
 */
import type { Config } from '../config/types.js';
import type { HealthTarget } from '../health/engine.js';
import { serverId } from '../plan/desired.js';

/** Every real server with a check, as a health target. */
export function healthTargets(c: Config): HealthTarget[] {
  const out: HealthTarget[] = [];
  for (const vs of c.virtual_server) {
    for (const rs of vs.real_server) {
      if (rs.check) out.push({ id: serverId(vs.name, rs.key), address: rs.address, port: rs.port, spec: rs.check });
    }
  }
  return out;
}

/** Whether any real server of the config has a check of `kind`. */
export function usesCheck(c: Config, kind: string): boolean {
  return c.virtual_server.some((vs) => vs.real_server.some((rs) => rs.check?.type === kind));
}

/**
 * Probe rounds per second the config asks for: one per checked real server per interval (identical
 * probes, which the engine merges, counted once each: an upper bound). Read from the config alone.
 */
export function probesPerSecond(c: Config): number {
  let rate = 0;
  for (const vs of c.virtual_server) for (const rs of vs.real_server) if (rs.check) rate += 1000 / rs.check.interval;
  return rate;
}
