import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../../src/health/heap.js';

describe('MinHeap', () => {
  it('pops in due order, equal dues in insertion order, each with its own tag', () => {
    const h = new MinHeap<string>();
    let x = 12345;
    const rand = () => (x = (x * 1103515245 + 12345) % 2 ** 31) % 50; // deterministic, many ties
    const pushed: Array<{ due: number; item: string; tag: number }> = [];
    for (let i = 0; i < 500; i++) {
      const e = { due: rand(), item: `i${i}`, tag: i * 7 };
      pushed.push(e);
      h.push(e.due, e.item, e.tag);
    }
    const want = [...pushed].sort((a, b) => a.due - b.due); // Array.prototype.sort is stable
    const got: Array<{ due: number; item: string; tag: number }> = [];
    while (h.size > 0) {
      const due = h.peekDue();
      const tag = h.peekTag()!;
      got.push({ due, tag, item: h.pop()! });
    }
    expect(got).toEqual(want);
    expect(h.peekDue()).toBe(Infinity);
    expect(h.pop()).toBeUndefined();
  });
});
