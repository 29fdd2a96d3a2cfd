/**
 * Entry of the `lvsd ipvs ...` bundle (scripts/bundle.mjs → dist/bundle/ipvs.cjs, chosen by
 * bin/lvsd when its first argument is "ipvs"): the same command as `src/main.ts` dispatches, with
 * only the IPVS CLI's modules in the file. Inside user-mode Linux, where every page touched costs,
 * the whole-program bundle and its code cache made `lvsd ipvs restore` slower than loading the
 * files it needs (bench/results/ipvs.md).
 */
import { guardInspector } from '../util/inspector-guard.js';
import { oneShotVm, settleExitCode } from './one-shot.js';

/** `lvsd ipvs ...`: argv starts with "ipvs"; sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  guardInspector(); // `lvsd ipvs restore` holds CAP_NET_ADMIN too: SIGUSR1 must not open the inspector
  oneShotVm();
  await settleExitCode('lvsd', async () => (await import('./ipvs.js')).run(argv.slice(1)));
}
