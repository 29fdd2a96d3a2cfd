/**
 * Pieces shared by src/main.ts and the entry of the `lvsd ipvs` bundle (src/cli/ipvs-entry.ts),
 * which must not import src/main.ts (that would bundle every command).
 */
import { setV8Flag } from '../util/v8-flags.js';

/** Runs `fn` and sets process.exitCode to its result; an exception becomes `prog: message` on stderr and exit 1. */
export async function settleExitCode(prog: string, fn: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await fn();
  } catch (err) {
    process.stderr.write(`${prog}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

/**
 * V8 settings for the one-shot `lvsd ipvs` commands, never the daemon. Page faults are what a
 * command costs inside user-mode Linux (bench/results/ipvs.md), so both trade a little CPU for
 * fewer freshly touched pages:
 * - the young generation keeps its first size (--semi-space-growth-factor=1, set for every command
 *   by bin/load-bundle.js before the bundle runs): growing it to 16 MB semi-spaces touches new pages
 *   that a short process never reuses (restore start-up and validation of 11,000 rules on the host:
 *   5,015 -> 4,500 faults);
 * - no optimizing compiler (--no-opt): TurboFan's compile memory costs more than its code saves
 *   in one table's worth of work (restore: ~1,500 fewer faults on the host for ~30 ms more CPU).
 * In one UML boot, `lvsd ipvs list` of 10,000 destinations took 2,337 ms with both, 2,511 ms with
 * --no-opt alone and 2,675 ms with the growth setting alone (medians of 5, interleaved).
 * Both flags are read when V8 decides to grow or to optimize, so setting them at run time works.
 */
export function oneShotVm(): void {
  setV8Flag('--no-opt');
}
