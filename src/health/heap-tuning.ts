/**
 * V8 heap growth for a process running the health engine at full load. At 12,000 rounds/s about
 * 12 MB/s of short-lived probe objects (node:net sockets of the HTTP checker above all) is promoted
 * to old space, and V8's default growth lets old space reach 2-4 times the live set (~55 MB) before
 * a mark-compact: 205-215 MB RSS. Growing old space by 20% of the live set per full GC keeps it
 * near 1.2x live (bench/results/health.md: 25% gave 146-155 MB, 20% 145-147 MB, 10% 149 MB but lag
 * p99 15-29 ms). This is the only V8 setting the daemon makes; the composition root
 * (src/daemon/compose.ts) makes it when it builds the health engine, and the engine-alone benchmarks
 * build their engine there too, so they measure the daemon's setting (V8's --optimize-for-size, tried
 * for the daemon, cost +0.06-0.2 core and brought lag p99 to 19 ms at the full probe load).
 * This is a soft limit: it only makes full GCs more frequent and recomputes the limit from the live
 * set after each, so a bigger config grows with it and nothing can die of a hard heap cap. A
 * `--heap-growing-percent` given by the operator wins.
 */
import { setV8Flag } from '../util/v8-flags.js';

/** Old-space growth per full GC, in percent of the live set after it. */
export const HEAP_GROWING_PERCENT = 20;

let applied = false;

/** True when the operator set the flag (node argv or NODE_OPTIONS): then lvsd leaves it alone. */
export function operatorSetHeapGrowth(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
}

/** Sets V8's heap growing factor once per process (idempotent); returns whether lvsd set it. */
export function tuneHeapForProbeLoad(): boolean {
  if (applied) return false;
  applied = true;
  if (operatorSetHeapGrowth(process.execArgv, process.env.NODE_OPTIONS)) return false;
  return setV8Flag(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
