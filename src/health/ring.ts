/**
 * The ring of a probe's most recent results, kept beside its Health (state.ts). Fixed capacity and
 * updated in place: the slots are allocated once and overwritten, because a new array and record
 * per round lived one interval (~1 s), left V8's young generation and were most of the old-space
 * garbage that drove RSS at 10,000 rounds/s (bench/results/health.md).
 */

/** One remembered result. */
export interface RingEntry {
  ok: boolean;
  /** Wall-clock time (ms since epoch) the round finished. */
  at: number;
  /** How long the round took, in ms. */
  ms: number;
  detail: string;
}

/** Default number of results kept. */
export const RING_SIZE = 10;

/** A bounded list of recent results; push overwrites the oldest once full. */
export class ResultRing {
  private readonly slots: RingEntry[] = [];
  private next = 0;

  /** An empty ring keeping the last `size` results (at least 1). */
  constructor(private readonly size = RING_SIZE) {
    if (!(size >= 1)) throw new RangeError(`ring size must be at least 1, got ${size}`);
  }

  /** Remembers one result (copies the fields: the caller's object is not kept). */
  push(ok: boolean, at: number, ms: number, detail: string): void {
    const i = this.next;
    this.next = (i + 1) % this.size;
    const s = this.slots[i];
    if (s === undefined) {
      this.slots.push({ ok, at, ms, detail });
      return;
    }
    s.ok = ok;
    s.at = at;
    s.ms = ms;
    s.detail = detail;
  }

  /** Number of results held. */
  get length(): number {
    return this.slots.length;
  }

  /** Copies of the held results, oldest first. */
  toArray(): RingEntry[] {
    const n = this.slots.length;
    const start = n < this.size ? 0 : this.next;
    const out: RingEntry[] = [];
    for (let k = 0; k < n; k++) {
      const { ok, at, ms, detail } = this.slots[(start + k) % n];
      out.push({ ok, at, ms, detail });
    }
    return out;
  }
}
