/**
 * Effective priority from tracked objects, pure (keepalived semantics):
 *   weight 0      → the object failing puts the instance in FAULT;
 *   weight < 0    → added while the object is failing;
 *   weight > 0    → added while the object is healthy.
 * The instance's own interface being down is always a fault. The result is clamped to 1..254 unless
 * the base priority is 255 (address owner), which tracking never changes (faults still apply).
 */
import type { VrrpInstanceConfig } from './schema.js';

/** Health of everything an instance tracks. Links absent from the map count as up. */
export interface TrackState {
  links: ReadonlyMap<string, boolean>;
  /** Per track_script index: currently passing? (absent = passing until proven otherwise). */
  scripts: ReadonlyMap<number, boolean>;
  /** Names of virtual servers currently below their quorum. */
  vsDown: ReadonlySet<string>;
}

/** Effective priority and the first fault found (undefined when healthy). */
export interface Effective {
  priority: number;
  fault?: string;
}

type Tracked = { weight: number; failing: boolean; what: string };

function tracked(cfg: VrrpInstanceConfig, t: TrackState): Tracked[] {
  return [
    ...cfg.track_interface.map((i) => ({
      weight: i.weight,
      failing: t.links.get(i.name) === false,
      what: `tracked interface ${i.name} down`,
    })),
    ...cfg.track_script.map((sc, n) => ({
      weight: sc.weight,
      failing: t.scripts.get(n) === false,
      what: `track_script ${sc.argv[0]} failing`,
    })),
    ...cfg.track_virtual_server.map((v) => ({
      weight: v.weight,
      failing: t.vsDown.has(v.name),
      what: `virtual server ${v.name} below quorum`,
    })),
  ];
}

/** Computes the effective priority and fault of an instance. */
export function effectivePriority(cfg: VrrpInstanceConfig, t: TrackState): Effective {
  const fault = t.links.get(cfg.interface) === false ? `interface ${cfg.interface} down` : undefined;
  let p = cfg.priority;
  let firstFault = fault;
  for (const x of tracked(cfg, t)) {
    if (x.weight === 0 && x.failing) firstFault ??= x.what;
    else if (x.weight < 0 && x.failing) p += x.weight;
    else if (x.weight > 0 && !x.failing) p += x.weight;
  }
  if (cfg.priority === 255) p = 255;
  else p = Math.min(254, Math.max(1, p));
  return firstFault ? { priority: p, fault: firstFault } : { priority: p };
}

/** Rise/fall streak of one track_script. */
export interface ScriptHealth {
  ok: boolean;
  streak: number;
}

/** Next script health after one run: `rise` passes in a row to pass, `fall` failures to fail. */
export function nextScriptHealth(h: ScriptHealth, passed: boolean, rise: number, fall: number): ScriptHealth {
  if (passed === h.ok) return { ok: h.ok, streak: 0 };
  const streak = h.streak + 1;
  return streak >= (passed ? rise : fall) ? { ok: passed, streak: 0 } : { ok: h.ok, streak };
}
