/**
 * The ring of a probe's most recent results, kept beside its Health (state.ts). Fixed capacity and
 * updated in place: the slots (one Float64Array and one array of details) are allocated once and
 * overwritten, because a new array and record per round lived one interval (~1 s), left V8's young
 * generation and were most of the old-space garbage that drove RSS at 10,000 rounds/s; and one typed
 * array instead of an object per slot is 4 MB less live heap at 12,000 probes (bench/results/health.md).
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

/** Doubles per shared slab of ring slots (8 KB, as Node's Buffer pool). */
const SLAB_DOUBLES = 1024;
let slab: Float64Array | undefined;
let slabUsed = 0;

/**
 * `n` zeroed doubles, cut from a shared slab: a typed array of its own costs an ArrayBuffer and a
 * native backing store (~330 bytes at 10 slots, one per health target: ~33 MB at 100,000 targets);
 * a view of a slab costs the view. A slab lives while any ring cut from it does; slots are never
 * handed out twice.
 */
function slots(n: number): Float64Array {
  if (!slab || slabUsed + n > slab.length) ((slab = new Float64Array(Math.max(SLAB_DOUBLES, n))), (slabUsed = 0));
  const v = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return v;
}

/** A bounded list of recent results; push overwrites the oldest once full. */
export class ResultRing {
  /**
   * ok (1/0), at, ms per slot: one typed array instead of an object per slot (12,000 rings × 10 slots).
   * Allocated by the first push, not by the constructor: a daemon starting 10,000 probes makes their
   * rings before the first probe goes out, and the arrays then come one by one with the first results.
   */
  private nums: Float64Array | undefined;
  private readonly details: string[] = [];
  private next = 0;
  private count = 0;

  /** An empty ring keeping the last `size` results (at least 1). */
  constructor(private readonly size = RING_SIZE) {
    if (!(size >= 1)) throw new RangeError(`ring size must be at least 1, got ${size}`);
  }

  /** Remembers one result (copies the fields: the caller's object is not kept). */
  push(ok: boolean, at: number, ms: number, detail: string): void {
    const i = this.next;
    const nums = (this.nums ??= slots(3 * this.size));
    this.next = (i + 1) % this.size;
    if (this.count < this.size) this.count++;
    nums[3 * i] = ok ? 1 : 0;
    nums[3 * i + 1] = at;
    nums[3 * i + 2] = ms;
    this.details[i] = detail;
  }

  /** Number of results held. */
  get length(): number {
    return this.count;
  }

  /** Copies of the held results, oldest first. */
  toArray(): RingEntry[] {
    const n = this.count;
    const start = n < this.size ? 0 : this.next;
    const out: RingEntry[] = [];
    const nums = this.nums;
    if (!nums) return out;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % this.size;
      out.push({ ok: nums[3 * i] === 1, at: nums[3 * i + 1], ms: nums[3 * i + 2], detail: this.details[i] });
    }
    return out;
  }
}
