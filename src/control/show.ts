/**
 * `show` with filters: the status report cut down to the matching virtual and real servers
 * (by name, real server "addr:port", health, operator state, or only those with a problem: down,
 * held by the operator, at weight 0 or missing from the kernel). Pure.
 */
import type { RealServerStatus, StatusReport } from './status-report.js';

/** Filters of `show` (every one optional). */
export interface ShowFilter {
  vs?: string;
  rs?: string;
  health?: RealServerStatus['health'];
  state?: RealServerStatus['adminState'];
  problems?: boolean;
}

/** True when a real server needs the operator's attention. */
export function isProblem(r: RealServerStatus): boolean {
  return r.health === 'down' || r.adminState !== 'ready' || r.kernelWeight === null || r.kernelWeight === 0;
}

/** The report with only the matching servers; virtual servers with none left are dropped. */
export function filterStatus(s: StatusReport, f: ShowFilter): StatusReport {
  const keep = (r: RealServerStatus) =>
    (f.rs === undefined || r.rs === f.rs) &&
    (f.health === undefined || r.health === f.health) &&
    (f.state === undefined || r.adminState === f.state) &&
    (!f.problems || isProblem(r));
  const narrowed = f.rs !== undefined || f.health !== undefined || f.state !== undefined || f.problems;
  const virtualServers = s.virtualServers
    .filter((v) => f.vs === undefined || v.name === f.vs)
    .map((v) => ({
      ...v,
      realServers: v.realServers.filter(keep),
      extraDestinations: narrowed ? [] : v.extraDestinations,
    }))
    .filter((v) => !narrowed || v.realServers.length > 0);
  return { ...s, virtualServers };
}
