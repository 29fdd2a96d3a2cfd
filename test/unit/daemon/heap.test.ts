/** The daemon's heap flag: applied by default, never over the operator's own heap flags. */
import { describe, expect, it } from 'vitest';
import { HEAP_FLAG, limitHeapGrowth } from '../../../src/daemon/heap.js';

describe('limitHeapGrowth', () => {
  it('keeps an operator heap flag from NODE_OPTIONS or node argv', () => {
    const set: string[] = [];
    expect(limitHeapGrowth([], '--max-old-space-size=512', (f) => set.push(f))).toBeUndefined();
    expect(limitHeapGrowth(['--optimize_for_size'], '', (f) => set.push(f))).toBeUndefined();
    expect(limitHeapGrowth(['--heap-growing-percent=10'], '--enable-source-maps', (f) => set.push(f))).toBeUndefined();
    expect(set).toEqual([]);
  });

  it('sets the heap flag otherwise', () => {
    const set: string[] = [];
    const flag = HEAP_FLAG;
    expect(limitHeapGrowth(['--enable-source-maps'], '--no-warnings', (f) => set.push(f))).toBe(flag);
    expect(set).toEqual([flag]);
  });
});
