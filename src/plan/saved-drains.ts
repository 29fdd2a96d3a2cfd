/**
 * Drains of servers removed by a reload survive a restart (the restarted daemon no longer knows the
 * previous config): they are saved in the state file with the wall-clock time they began
 * (`startedAt`, ms since the epoch), so a restart does not extend drain_timeout: the restored drain
 * keeps its deadline. The clock is per process, so the time is stored as wall time and turned back
 * with the new process's offset; a start time in the future (the wall clock stepped back) counts as
 * now, and an entry without one (an older state file) starts at now. Drains by lvsctl come back
 * from the operator overrides instead. Pure.
 */
import type { PlannerMemory } from './desired.js';
import { drainKey, type DrainEntry } from './drain.js';

/** A removed server's drain as the state file holds it. */
export type SavedDrain = Omit<DrainEntry, 'since'> & { startedAt: number };

/**
 * The unfinished drains of removed servers in `memory`, with their start as wall time;
 * `wallOffset` = wall-clock ms minus clock ms in this process.
 */
export function saveDrains(memory: PlannerMemory | undefined, wallOffset: number): SavedDrain[] {
  return [...(memory?.drains.values() ?? [])]
    .filter((e) => e.why === 'removed' && !e.done)
    .map(({ since, ...e }) => ({ ...e, startedAt: Math.round(since + wallOffset) }));
}

/**
 * Planner memory holding the drains read back from a state file (`saved` is untrusted JSON: entries
 * that are not removed-server drains are skipped); `now` is the clock time of the start and
 * `wallOffset` this process's offset as above.
 */
export function restoreDrains(saved: readonly unknown[], now: number, wallOffset: number): PlannerMemory {
  const drains = new Map<string, DrainEntry>();
  for (const raw of saved) {
    const { startedAt, ...e } = (raw ?? {}) as Partial<SavedDrain>;
    if (e.why !== 'removed' || !e.service || !e.dest || typeof e.vs !== 'string' || typeof e.rs !== 'string') continue;
    const since =
      typeof startedAt === 'number' && Number.isFinite(startedAt) ? Math.min(now, startedAt - wallOffset) : now;
    const { service, dest, settings, vs, rs } = e;
    drains.set(drainKey(service, dest), {
      why: 'removed',
      since,
      service,
      dest,
      ...(settings && { settings }),
      vs,
      rs,
      done: false,
    });
  }
  return { belowQuorum: new Map(), drains };
}
