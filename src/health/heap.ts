/**
 * A binary min-heap of items ordered by `due` (ties by insertion order), each with a numeric tag the
 * owner uses for lazy cancellation. Used by the scheduler to keep thousands of probe deadlines with a
 * single timer. Stored as parallel arrays, so push and pop allocate nothing: at 12,000 pushes a
 * second, an entry object per push lived ~1 s, was promoted out of V8's young generation and made
 * up much of the old-space garbage (bench/results/health.md).
 */

/** Min-heap on (due, insertion order). push/pop are O(log n); peeks are O(1). */
export class MinHeap<T> {
  private dues: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private tags: number[] = [];
  private seq = 0;

  /** Number of entries. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `item` due at `due` with `tag` (returned by peekTag while it is the earliest). */
  push(due: number, item: T, tag = 0): void {
    this.dues.push(due);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.tags.push(tag);
    this.siftUp(this.items.length - 1);
  }

  /** Due time of the earliest entry, or Infinity when empty. */
  peekDue(): number {
    return this.items.length > 0 ? this.dues[0] : Infinity;
  }

  /** Tag of the earliest entry (undefined when empty). */
  peekTag(): number | undefined {
    return this.tags[0];
  }

  /** Removes and returns the earliest item (undefined when empty). */
  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0];
    const due = this.dues.pop()!;
    const seq = this.seqs.pop()!;
    const item = this.items.pop()!;
    const tag = this.tags.pop()!;
    if (n > 1) {
      this.set(0, due, seq, item, tag);
      this.siftDown(0);
    }
    return top;
  }

  private less(i: number, j: number): boolean {
    const a = this.dues[i];
    const b = this.dues[j];
    return a < b || (a === b && this.seqs[i] < this.seqs[j]);
  }

  private set(i: number, due: number, seq: number, item: T, tag: number): void {
    this.dues[i] = due;
    this.seqs[i] = seq;
    this.items[i] = item;
    this.tags[i] = tag;
  }

  private swap(i: number, j: number): void {
    const due = this.dues[i];
    const seq = this.seqs[i];
    const item = this.items[i];
    const tag = this.tags[i];
    this.set(i, this.dues[j], this.seqs[j], this.items[j], this.tags[j]);
    this.set(j, due, seq, item, tag);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
