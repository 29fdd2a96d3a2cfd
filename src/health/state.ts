/**
 * Health state of one probe: a pure rise/fall function. Time is an input (each result carries its own
 * `at`); nothing here reads a clock or does I/O. The ring of recent results lives beside it (ring.ts),
 * updated in place, so a round allocates only the small Health object.
 */

/** One probe round's outcome as remembered in the ring. */
export interface ProbeRecord {
  ok: boolean;
  /** Wall-clock time (ms since epoch) the round finished. */
  at: number;
  /** How long the round took, in ms. */
  ms: number;
  detail: string;
  /** Dynamic weight reported by the round (script checks in dynamic mode). */
  weight?: number;
}

/** Health of one probe: current verdict and streaks. */
export interface Health {
  state: 'up' | 'down';
  since: number;
  reason: string;
  /** Consecutive successes / failures ending with the latest result. */
  okStreak: number;
  failStreak: number;
  probes: number;
  weight?: number;
}

/** Rise/fall thresholds. */
export interface HealthParams {
  rise: number;
  fall: number;
}

/** A verdict change (or, with from === to, a dynamic weight change) with its human reason. */
export interface Transition {
  from: 'up' | 'down';
  to: 'up' | 'down';
  reason: string;
  weight?: number;
}

/** Health before any probe: `initial` "up" (keepalived's default) or "down" (alpha: down until proven). */
export function initialHealth(initial: 'up' | 'down', at: number): Health {
  const reason = initial === 'up' ? 'initial state up (not yet checked)' : 'initial state down until proven (alpha)';
  return { state: initial, since: at, reason, okStreak: 0, failStreak: 0, probes: 0 };
}

/** The initial reason says "not yet checked": the first result, whatever it is, replaces that. */
function firstCheckReason(h: Health, r: ProbeRecord): string {
  const initial = h.state === 'up' ? 'initial state up' : 'initial state down until proven (alpha)';
  return `${initial}; first check ${r.ok ? 'passed' : 'failed'}: ${r.detail}`;
}

function streakReason(detail: string, n: number): string {
  return n > 1 ? `${detail} (${n} in a row)` : detail;
}

/**
 * Applies one result. Up goes down after `fall` consecutive failures; down goes up after `rise`
 * consecutive successes. Returns the new health and, if the verdict changed, the transition with the
 * latest detail as reason. A success carrying a new weight while up yields a weight-only transition
 * (from === to). Pure: never mutates `h`.
 */
export function nextHealth(h: Health, r: ProbeRecord, p: HealthParams): { health: Health; transition?: Transition } {
  const okStreak = r.ok ? h.okStreak + 1 : 0;
  const failStreak = r.ok ? 0 : h.failStreak + 1;
  const weight = r.ok && r.weight !== undefined ? r.weight : h.weight;
  // an explicit literal rather than a spread: this runs 12,000 times a second
  const base: Health = {
    state: h.state,
    since: h.since,
    reason: h.probes === 0 ? firstCheckReason(h, r) : h.reason,
    okStreak,
    failStreak,
    probes: h.probes + 1,
    weight,
  };
  if (h.state === 'up' && failStreak >= p.fall) return flip(base, 'down', streakReason(r.detail, failStreak), r.at);
  if (h.state === 'down' && okStreak >= p.rise) return flip(base, 'up', streakReason(r.detail, okStreak), r.at);
  if (h.state === 'up' && weight !== h.weight)
    return { health: base, transition: { from: 'up', to: 'up', reason: `weight ${weight}: ${r.detail}`, weight } };
  return { health: base };
}

function flip(h: Health, to: 'up' | 'down', reason: string, at: number): { health: Health; transition: Transition } {
  const from = h.state;
  const health: Health = {
    state: to,
    since: at,
    reason,
    okStreak: h.okStreak,
    failStreak: h.failStreak,
    probes: h.probes,
    weight: h.weight,
  };
  return { health, transition: { from, to, reason, weight: h.weight } };
}
