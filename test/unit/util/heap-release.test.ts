/**
 * heap-release: the operator's young-generation flags win over lvsd's, and a release after the start
 * really gives back what a burst of garbage left behind (V8's own collector, reached at run time).
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS module of bin/, no type declarations
import { keepYoungGenerationSmall } from '../../../bin/load-bundle.js';
import { heapRelease } from '../../../src/util/heap-release.js';

describe('heap release', () => {
  it('leaves the young generation alone when the operator sized it', () => {
    expect(keepYoungGenerationSmall(['--max-semi-space-size=8'], undefined)).toBe(false);
    expect(keepYoungGenerationSmall([], '--semi_space_growth_factor=2 --max-old-space-size=100')).toBe(false);
    expect(keepYoungGenerationSmall(['--min-semi-space-size', '2'], undefined)).toBe(false);
  });

  it('collects after the start: the heap used falls back near the live set', () => {
    const release = heapRelease();
    expect(release).toBeTypeOf('function');
    const v8 = process.getBuiltinModule('node:v8');
    const keep: object[] = [];
    let junk: object[] = [];
    for (let i = 0; i < 400_000; i++) {
      const o = { i, s: `x${i}` };
      junk.push(o);
      if (i % 100 === 0) keep.push(o);
      if (junk.length > 200_000) junk = [];
    }
    junk = [];
    const before = v8.getHeapStatistics().used_heap_size;
    release!('start');
    const after = v8.getHeapStatistics().used_heap_size;
    expect(before - after).toBeGreaterThan(5 * 1024 * 1024);
    expect(keep).toHaveLength(4000);
    expect('gc' in globalThis && typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(false);
  });
});
