/**
 * Fuzz benchmark: every decoder that takes outside bytes (bench/fuzz/targets.ts) gets N mutated
 * inputs (default 10^6). Prints per decoder: inputs, accepted, rejected (the decoder's own typed
 * error or verdict), uncaught exceptions, CPU time and inputs per CPU second; the first findings with
 * their input in hex. Exits 1 when any decoder threw outside its contract.
 *
 *   node dist/bench/fuzz.js [N] [SEED] [name substring ...]     (from the repository root)
 */
import { loadavg } from 'node:os';
import { runTarget, type FuzzReport } from './fuzz/run.js';
import { TARGETS } from './fuzz/targets.js';

const n = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const only = process.argv.slice(4);
const targets = TARGETS.filter((t) => only.length === 0 || only.some((o) => t.name.includes(o)));

const pad = (s: string | number, w: number) => String(s).padStart(w);
console.log(
  `fuzz: ${n} inputs per decoder, seed ${seed}, node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `${'decoder'.padEnd(16)}${pad('inputs', 10)}${pad('accepted', 10)}${pad('rejected', 10)}${pad('uncaught', 10)}${pad('CPU s', 9)}${pad('wall s', 9)}${pad('inputs/s', 11)}`,
);
const reports: FuzzReport[] = [];
for (const t of targets) {
  const r = runTarget(t, n, seed);
  reports.push(r);
  console.log(
    `${r.target.padEnd(16)}${pad(r.inputs, 10)}${pad(r.accepted, 10)}${pad(r.rejected, 10)}${pad(r.exceptions, 10)}` +
      `${pad((r.cpuMs / 1000).toFixed(1), 9)}${pad((r.wallMs / 1000).toFixed(1), 9)}${pad(Math.round((r.inputs / r.cpuMs) * 1000), 11)}`,
  );
  for (const f of r.findings)
    console.log(`  finding at input ${f.index}: ${f.error.split('\n').slice(0, 4).join(' | ')}\n  input: ${f.hex}`);
}
const total = reports.reduce((a, r) => a + r.exceptions, 0);
console.log(`total uncaught exceptions: ${total}`);
process.exitCode = total === 0 ? 0 : 1;
