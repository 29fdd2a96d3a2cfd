/**
 * A binary min-heap of entries ordered by `due` (ties by insertion order). Used by the scheduler to
 * keep thousands of probe deadlines with a single timer.
 */

/** An entry the heap orders; `seq` breaks ties so equal due times keep insertion order. */
export interface HeapEntry<T> {
  due: number;
  seq: number;
  item: T;
}

/** Min-heap on (due, seq). push/pop are O(log n); peek is O(1). */
export class MinHeap<T> {
  private a: HeapEntry<T>[] = [];
  private seq = 0;

  /** Number of entries. */
  get size(): number {
    return this.a.length;
  }

  /** Adds an item due at `due`. */
  push(due: number, item: T): void {
    const a = this.a;
    a.push({ due, seq: this.seq++, item });
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  /** The earliest entry, or undefined when empty. */
  peek(): HeapEntry<T> | undefined {
    return this.a[0];
  }

  /** Removes and returns the earliest entry. */
  pop(): HeapEntry<T> | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(i: number): void {
    const a = this.a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && less(a[l], a[m])) m = l;
      if (r < a.length && less(a[r], a[m])) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}

function less<T>(x: HeapEntry<T>, y: HeapEntry<T>): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}
