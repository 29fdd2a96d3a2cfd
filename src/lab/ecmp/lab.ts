/**
 * `./lab/run --ecmp`: the ECMP story in one user-mode Linux guest, told as it happens. Three
 * directors announce one VIP over BGP to a router that spreads flows over them (kernel ECMP); 300
 * long-lived flows run through it while director 2 leaves and returns, gracefully and by a crash.
 * The full story then replays the first departure with wrr instead of mh, to show what mh prevents.
 * Exit code 0 when every goal was met (each director ≥ 20% of the flows, ≥ 99% continue in every
 * phase with mh, and the wrr contrast breaks flows).
 */
import { runEcmp } from './run.js';
import type { EcmpResult } from './scenario.js';
import type { DirectorMode } from './directors.js';

/** How the lab's directors run (lvsd announces; `static` is the same dataplane without lvsd). */
export const LAB_MODE: DirectorMode = 'lvsd';

const TOPOLOGY = `
  client 10.1.0.2 ── router 10.1.0.1 / 10.2.0.1 (BIRD, kernel ECMP over the directors)
                        │ one L2 segment 10.2.0.0/24
     d1 .11   d2 .12   d3 .13   directors: lvsd (IPVS mh + mh-port, direct routing; announces the VIP
                               into table 100 while healthy) + BIRD exporting it; sloppy_tcp=1
     b1 .21   b2 .22   b3 .23   b4 .24   backends: echo servers holding the VIP 10.9.0.10 on lo
`;

/** Lines saying what a run showed, against the goals; `ok` when every goal was met. */
export function verdict(r: EcmpResult): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  const shares = Object.entries(r.shares);
  const spreadOk = shares.length === 3 && shares.every(([, s]) => s >= 0.2);
  lines.push(
    `spread: ${shares.map(([d, s]) => `${d} ${(s * 100).toFixed(1)}%`).join(', ')} of ${r.flows} flows (goal: each >= 20%) ${spreadOk ? 'met' : 'NOT met'}`,
  );
  let phasesOk = r.phases.length === 4;
  for (const p of r.phases) {
    const ok = p.ratio >= 0.99;
    phasesOk &&= ok;
    lines.push(
      `${p.name}: ${p.continued}/${p.before} continued on the same backend (${(p.ratio * 100).toFixed(1)}%, goal >= 99%) ${ok ? 'met' : 'NOT met'}`,
    );
  }
  if (r.error) lines.push(`error: ${r.error}`);
  return { ok: spreadOk && phasesOk && !r.error, lines };
}

/** Runs the story; resolves with the exit code. */
export async function runEcmpLab(short: boolean): Promise<number> {
  const out = (s: string): boolean => process.stdout.write(s + '\n');
  out(
    `lvsd ECMP lab: booting user-mode Linux (real IPVS) with a router, 3 directors, 4 backends and a client${TOPOLOGY}`,
  );
  const mh = await runEcmp({ mode: LAB_MODE, scheduler: 'mh', flows: 300, periodMs: 500, onProgress: out });
  if (!mh.result) {
    out(`the guest ended without a result; its last lines:\n${mh.log.split('\n').slice(-25).join('\n')}`);
    return 1;
  }
  const v = verdict(mh.result);
  out('\nWhat it showed (mh):');
  v.lines.forEach((l) => out(`  ${l}`));
  if (short) return v.ok ? 0 : 1;
  out('\nContrast: the same with wrr, whose choice of backend differs between directors');
  const wrr = await runEcmp({ mode: LAB_MODE, scheduler: 'wrr', flows: 300, periodMs: 500, onProgress: out });
  const first = wrr.result?.phases[0];
  const broke = !!first && first.ratio < 0.9;
  out(
    first
      ? `  wrr, d2 SIGTERM: ${first.continued}/${first.before} continued, ${first.broken} broken (${JSON.stringify(first.reasons)}): the flows the router moved lost their backend ${broke ? '(as expected)' : '(NOT as expected)'}`
      : '  the wrr run ended without a result',
  );
  return v.ok && broke ? 0 : 1;
}
