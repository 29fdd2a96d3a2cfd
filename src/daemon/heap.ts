/**
 * Keeps the daemon's V8 heap near its live size. lvsd's live heap is small (~45 MB for 10,000
 * destinations with TCP checks) but every probe allocates short-lived objects, and with V8's default
 * old-generation growing factor (up to 4× the live size after each full GC when allocation is fast)
 * the heap, and with it RSS, grew to ~280 MB in 15 s of the 10,000-destination footprint benchmark.
 * Measured there (bench/results/daemon.md): `--optimize-for-size` 136 MB RSS at ~+16 points of one
 * core; `--heap-growing-percent=50` 174 MB at no measurable CPU cost; default 280 MB.
 * Set at run time by lvsd itself (V8 reads these at every GC), only in daemon mode, and never over an
 * operator's own V8 heap flags.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flag lvsd sets for its daemon mode. */
export const HEAP_FLAG = '--optimize-for-size';

/** V8 flags that, when the operator gives them (NODE_OPTIONS or node's own argv), win over lvsd's choice. */
const OPERATOR_FLAGS = /--(heap[-_]growing[-_]percent|optimize[-_]for[-_]size|max[-_]old[-_]space[-_]size|max[-_]semi[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/**
 * Applies HEAP_FLAG unless the operator set a heap flag; returns the flag applied, or undefined when
 * the operator's own setting was kept. `set` is V8's setFlagsFromString (replaceable in tests).
 */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
  set: (flags: string) => void = setFlagsFromString,
): string | undefined {
  if (OPERATOR_FLAGS.test(nodeOptions) || execArgv.some((a) => OPERATOR_FLAGS.test(a))) return undefined;
  set(HEAP_FLAG);
  return HEAP_FLAG;
}
