/**
 * The status batch of a sharded health engine (shards.ts): how a shard thread tells the main thread
 * what its probes did, in compact arrays instead of one message per result, and the main thread's
 * mirror that answers `status()` synchronously from those batches. Pure: no threads, no clock.
 *
 * A probe is named by a number the main thread gives it (`num`), the same on both sides. For every
 * probe with news since the last batch the shard sends its health (state, since, reason, probes,
 * weight) and the results its ring gained since; the mirror keeps the same ring (ring.ts) and health,
 * so `status()` on the mirror equals the shard engine's `status()` as of the batch.
 */
import type { HealthStatus, HealthVerdict } from './engine.js';
import { ResultRing, type RingEntry } from './ring.js';

/** Fields per probe in StatusBatch.probes. */
const PROBE_STRIDE = 6;
/** Fields per result in StatusBatch.results. */
const RESULT_STRIDE = 3;

/**
 * One batch as it crosses threads (structured clone copies typed arrays and string arrays in bulk).
 *  - probes: per probe [num, up (1/0), since, probes, weight (NaN: none), new results];
 *  - reasons: per probe, its reason;
 *  - results: per new result [ok (1/0), at, ms], the probe's results in order, probes in order;
 *  - details: per new result, its detail.
 */
export interface StatusBatch {
  probes: Float64Array;
  reasons: string[];
  results: Float64Array;
  details: string[];
}

/** The shard's side: collects probe statuses and encodes them as one StatusBatch. */
export class StatusBatcher {
  /** Last result sent per probe: only results after it are sent again. */
  private readonly lastSent = new Map<number, RingEntry>();
  private probes: number[] = [];
  private reasons: string[] = [];
  private results: number[] = [];
  private details: string[] = [];

  /** Adds probe `num`'s current status (from HealthEngine.status) to the batch being built. */
  note(num: number, s: HealthStatus): void {
    const fresh = freshResults(s.lastResults, this.lastSent.get(num));
    if (fresh.length > 0) this.lastSent.set(num, fresh[fresh.length - 1]);
    this.probes.push(num, s.state === 'up' ? 1 : 0, s.since, s.probes, s.weight ?? NaN, fresh.length);
    this.reasons.push(s.reason);
    for (const r of fresh) {
      this.results.push(r.ok ? 1 : 0, r.at, r.ms);
      this.details.push(r.detail);
    }
  }

  /** Forgets probe `num` (it stopped; a number is never given to another probe). */
  forget(num: number): void {
    this.lastSent.delete(num);
  }

  /** The batch built since the last take(), or undefined when nothing was noted. */
  take(): StatusBatch | undefined {
    if (this.probes.length === 0) return undefined;
    const b: StatusBatch = {
      probes: Float64Array.from(this.probes),
      reasons: this.reasons,
      results: Float64Array.from(this.results),
      details: this.details,
    };
    this.probes = [];
    this.reasons = [];
    this.results = [];
    this.details = [];
    return b;
  }
}

/**
 * The results of `ring` (oldest first) after `last`; all of them when `last` is not among them (never
 * sent, or pushed out of the ring since).
 */
function freshResults(ring: RingEntry[], last: RingEntry | undefined): RingEntry[] {
  if (!last) return ring;
  for (let i = ring.length - 1; i >= 0; i--) {
    const r = ring[i];
    if (r.at === last.at && r.ms === last.ms && r.ok === last.ok && r.detail === last.detail) return ring.slice(i + 1);
  }
  return ring;
}

interface Mirrored {
  state: 'up' | 'down';
  since: number;
  reason: string;
  probes: number;
  weight?: number;
  ring: ResultRing;
}

/** The main thread's side: the status of every probe as of the last batch applied. */
export class StatusMirror {
  private readonly byNum = new Map<number, Mirrored>();

  /** Starts mirroring probe `num` with its state before any result (state.ts initialHealth). */
  track(num: number, initial: { state: 'up' | 'down'; since: number; reason: string }): void {
    const m: Mirrored = {
      state: initial.state,
      since: initial.since,
      reason: initial.reason,
      probes: 0,
      weight: undefined,
      ring: new ResultRing(),
    };
    this.byNum.set(num, m);
  }

  /** Stops mirroring probe `num`; later batches naming it are ignored. */
  drop(num: number): void {
    this.byNum.delete(num);
  }

  /** Whether probe `num` is mirrored. */
  has(num: number): boolean {
    return this.byNum.has(num);
  }

  /** Applies one batch (probes not tracked are skipped, their results included). */
  apply(b: StatusBatch): void {
    let r = 0;
    for (let i = 0; i < b.probes.length; i += PROBE_STRIDE) {
      const n = b.probes[i + 5];
      const m = this.byNum.get(b.probes[i]);
      if (m) {
        m.state = b.probes[i + 1] === 1 ? 'up' : 'down';
        m.since = b.probes[i + 2];
        m.probes = b.probes[i + 3];
        const w = b.probes[i + 4];
        m.weight = Number.isNaN(w) ? undefined : w;
        m.reason = b.reasons[i / PROBE_STRIDE];
        for (let k = 0; k < n; k++) {
          const j = (r + k) * RESULT_STRIDE;
          m.ring.push(b.results[j] === 1, b.results[j + 1], b.results[j + 2], b.details[r + k]);
        }
      }
      r += n;
    }
  }

  /**
   * The verdict of probe `num` without its recent results (HealthEngine.verdict): the mirror's own
   * object, read-only and updated by later batches. Undefined when not tracked.
   */
  verdict(num: number): Readonly<HealthVerdict> | undefined {
    return this.byNum.get(num);
  }

  /** The status of probe `num` as HealthEngine.status() shapes it, or undefined when not tracked. */
  status(num: number): HealthStatus | undefined {
    const m = this.byNum.get(num);
    if (!m) return undefined;
    return {
      state: m.state,
      since: m.since,
      reason: m.reason,
      lastResults: m.ring.toArray(),
      weight: m.weight,
      probes: m.probes,
    };
  }
}
