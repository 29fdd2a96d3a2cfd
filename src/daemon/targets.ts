/**
 * The health targets a config asks for: one per real server with a check, with the id the planner
 * reads its health by (`serverId(vs, rs)`, "web|10.0.0.2:8080").
 */
import type { Config, VirtualServerConfig } from '../config/types.js';
import { probeKey, type HealthTarget } from '../health/engine.js';
import { serverId } from '../plan/desired.js';

/** Every real server with a check, as a health target. */
export function healthTargets(c: Pick<Config, 'virtual_server'>): HealthTarget[] {
  const out: HealthTarget[] = [];
  for (const vs of c.virtual_server) vsTargets(vs, out);
  return out;
}

function vsTargets(vs: VirtualServerConfig, out: HealthTarget[] = []): HealthTarget[] {
  for (const rs of vs.real_server)
    if (rs.check) out.push({ id: serverId(vs.name, rs.key), address: rs.address, port: rs.port, spec: rs.check });
  return out;
}

/**
 * Whether `next` asks for other health targets than `prev` (ids, addresses, ports or checks), looking
 * only at the virtual servers that are not the same object in both: the config loader keeps the
 * object of every unchanged `[[virtual_server]]` section, so a reload that changed one weight
 * compares one virtual server instead of building and diffing every target (0.2 s at 100,000).
 * False means HealthEngine.setTargets(healthTargets(next)) would change nothing.
 */
export function healthTargetsChanged(prev: Config, next: Config): boolean {
  const a = prev.virtual_server;
  const b = next.virtual_server;
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const x = vsTargets(a[i]!);
    const y = vsTargets(b[i]!);
    if (x.length !== y.length) return true;
    for (let j = 0; j < x.length; j++) if (x[j]!.id !== y[j]!.id || probeKey(x[j]!) !== probeKey(y[j]!)) return true;
  }
  return false;
}

/** Whether any real server of the config has a check of `kind`. */
export function usesCheck(c: Config, kind: string): boolean {
  return c.virtual_server.some((vs) => vs.real_server.some((rs) => rs.check?.type === kind));
}

/**
 * Probe rounds per second the config asks for: one per checked real server per interval (identical
 * probes, which the engine merges, counted once each: an upper bound). Read from the config alone.
 */
export function probesPerSecond(c: Pick<Config, 'virtual_server'>): number {
  let rate = 0;
  for (const vs of c.virtual_server) for (const rs of vs.real_server) if (rs.check) rate += 1000 / rs.check.interval;
  return rate;
}
