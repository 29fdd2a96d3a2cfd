/**
 * Operator overrides as the planner sees them (HAProxy's server states): per real server and per
 * virtual server a state, `ready` (health decides), `drain` (weight 0, kept in the table so its
 * connections finish, until the operator says ready) or `maint` (out: removed, or weight 0 when the
 * virtual server's `maintenance = "weight0"`), and per real server a weight that replaces the
 * configured one. Pure: no clock, no I/O.
 */

/** An operator state. */
export type AdminState = 'ready' | 'drain' | 'maint';

/** The operator's override of one real server or one virtual server. */
export interface AdminEntry {
  state: AdminState;
  /** Weight replacing the configured one (real servers only). */
  weight?: number;
  /** Clock time of the last return to `ready` from drain or maint: slow start runs from there. */
  readySince?: number;
}

/** Where the planner finds overrides: by real-server id "vs|rs", and by virtual-server name. */
export interface AdminLookup {
  server(id: string): AdminEntry | undefined;
  service(vs: string): AdminEntry | undefined;
}

/** No override anywhere. */
export const NO_ADMIN: AdminLookup = { server: () => undefined, service: () => undefined };

const SEVERITY: Record<AdminState, number> = { ready: 0, drain: 1, maint: 2 };

/** What applies to one real server: the stricter state of its own and its virtual server's. */
export interface EffectiveAdmin {
  state: AdminState;
  /** Whose state that is. */
  by: 'server' | 'service';
  weight?: number;
  readySince?: number;
}

/** Merges a real server's override with its virtual server's; undefined when neither has one. */
export function effectiveAdmin(server?: AdminEntry, service?: AdminEntry): EffectiveAdmin | undefined {
  if (!server && !service) return undefined;
  const own = server?.state ?? 'ready';
  const vs = service?.state ?? 'ready';
  const byService = SEVERITY[vs] > SEVERITY[own];
  const since = [server?.readySince, service?.readySince].filter((t): t is number => t !== undefined);
  return {
    state: byService ? vs : own,
    by: byService ? 'service' : 'server',
    weight: server?.weight,
    readySince: since.length ? Math.max(...since) : undefined,
  };
}

/**
 * The entry after an operator sets `state` at `now`: a return to ready from drain or maint starts
 * slow start (readySince = now); the weight override is kept.
 */
export function withState(prev: AdminEntry | undefined, state: AdminState, now: number): AdminEntry {
  const was = prev?.state ?? 'ready';
  const readySince = state === 'ready' ? (was !== 'ready' ? now : prev?.readySince) : undefined;
  return {
    state,
    ...(prev?.weight !== undefined ? { weight: prev.weight } : {}),
    ...(readySince !== undefined ? { readySince } : {}),
  };
}

/** True when the entry changes nothing (ready, no weight): it can be forgotten. */
export function isNeutral(e: AdminEntry): boolean {
  return e.state === 'ready' && e.weight === undefined;
}
