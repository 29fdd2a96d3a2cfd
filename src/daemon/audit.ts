/**
 * The audit trail: every transition (health, quorum, VRRP, operator, reload) is one structured log
 * line with its reason, and the most recent ones are kept for the status page and lvsctl. The
 * reconcile line lists the operations it applied, bounded, with a count of what was cut.
 */
import type { Logger } from 'pino';
import type { Transition } from '../control/status-report.js';
import { formatOp } from '../ipvs/format.js';
import type { Op } from '../ipvs/types.js';

/** Operations listed in one reconcile log line; the rest is counted. */
export const MAX_LOGGED_OPS = 20;
/** Transitions kept for the status report. */
export const MAX_KEPT_TRANSITIONS = 100;

/** Records transitions: logs each once and keeps the latest. */
export class Audit {
  private readonly kept: Transition[] = [];

  constructor(
    private readonly log: Logger,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /**
   * Records a transition; `logged: false` when its layer already wrote the line (the health engine
   * and the VRRP service log their own transitions), so each is logged exactly once.
   */
  transition(t: Omit<Transition, 'at'> & { at?: number }, logged = false): void {
    const entry: Transition = { ...t, at: t.at ?? this.wallClock() };
    this.kept.push(entry);
    if (this.kept.length > MAX_KEPT_TRANSITIONS) this.kept.splice(0, this.kept.length - MAX_KEPT_TRANSITIONS);
    if (logged) return;
    const { kind, from, to, reason, ...where } = entry;
    const subject = [where.vs, where.rs, where.name].filter(Boolean).join(' ');
    this.log.info({ kind, ...where, from, to, reason }, `${kind} ${subject}: ${from} -> ${to}`);
  }

  /** The kept transitions, oldest first. */
  recent(): Transition[] {
    return [...this.kept];
  }
}

/** The ops of one reconcile pass for its log line: the first MAX_LOGGED_OPS as text, and how many more. */
export function opsForLog(ops: readonly Op[]): { applied: string[]; more?: number } {
  const applied = ops.slice(0, MAX_LOGGED_OPS).map(formatOp);
  return ops.length > MAX_LOGGED_OPS ? { applied, more: ops.length - MAX_LOGGED_OPS } : { applied };
}
