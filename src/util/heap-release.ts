/**
 * Gives the garbage of the daemon's big one-off work back to the system. Parsing, validating and
 * planning keepalived #2318's table (36,544 real servers) leaves ~100 MB of garbage that V8 does not
 * collect while the daemon then idles: its first old-space limit is far above the live set and it
 * has no idle collection. An idle lvsd with that table stayed at 188 MB RSS for 30 s with ~45 MB live
 * (host, memory dataplane). One full collection frees the objects but keeps their pages (old space
 * 80 MB committed for 33 MB used); a second one compacts them away (35 MB committed): RSS 146 -> 104 MB.
 * So lvsd runs two full collections after its first pass, and, one second after the last of a burst
 * of reloads, when the heap holds 8 MB more than the last collection left. The young generation is
 * kept at its first size from before the bundle runs (bin/load-bundle.js `keepYoungGenerationSmall`).
 * The collector is V8's own `gc`, made reachable at run time (`--expose-gc`, then taken from a fresh
 * context, so no `gc` global appears). Nothing is changed while the build records its code cache
 * (v8-flags.ts changes no flag then).
 */
import { setV8Flag } from './v8-flags.js';

/** Collects when asked: after `'start'` at once, after `'reload'` later and only when the heap has grown. */
export type HeapRelease = (after: 'start' | 'reload') => void;

const GROWN = 8 * 1024 * 1024;
const RELOAD_QUIET_MS = 1000;

/** A HeapRelease for this process, or undefined when V8's collector cannot be reached. */
export function heapRelease(): HeapRelease | undefined {
  if (!setV8Flag('--expose-gc')) return undefined;
  const gc = process.getBuiltinModule('node:vm').runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') return undefined;
  const v8 = process.getBuiltinModule('node:v8');
  let left = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const collect = () => {
    timer = undefined;
    (gc as () => void)();
    (gc as () => void)();
    left = v8.getHeapStatistics().used_heap_size;
  };
  return (after) => {
    if (after === 'start') return collect();
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (v8.getHeapStatistics().used_heap_size > left + GROWN) timer = setTimeout(collect, RELOAD_QUIET_MS).unref();
  };
}
