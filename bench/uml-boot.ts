/**
 * What the ptrace shim (src/lab/uml-shim.ts) costs a user-mode Linux guest on this machine: guests
 * booted one at a time, the variants interleaved round by round:
 *   plain    linux.uml as before, no LD_PRELOAD
 *   shim     with the shim, as runUml starts every guest (on a CPU without AMX it only forwards)
 *   amx-sim  the shim after test/support/native/amx-host.c, which makes this host's ptrace look like
 *            an AMX host's (11,008-byte XSAVE state): the shim's read-copy-write path on every FPU
 *            write, plus the simulator's own extra reads (so an upper bound for a real AMX host)
 * Per guest: its uptime when init started (guest clock, so only the ratio means something), the
 * time three `node -e 0` took inside it (system-call heavy: every guest system call passes through
 * ptrace several times), the host's spawn → exit time of the whole guest, and the host CPU time
 * (user + system) of the guest's processes, which a loaded machine disturbs far less than the
 * times. Prints medians and the ratios to `plain`.
 * First, on the host itself, the same variants around bench/native/ptrace-loop.c: the ptrace calls
 * UML makes around each guest system call, timed per round (median of interleaved runs).
 *   npm run build && node dist/bench/uml-boot.js [ROUNDS]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { INIT_UPTIME, repoRoot, runUml, type UmlOptions } from '../src/lab/uml.js';
import { ensureShim, preloadValue } from '../src/lab/uml-shim.js';

const rounds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-boot-'));
const amx = join(dir, 'amx-host.so');
const loop = join(dir, 'ptrace-loop');
execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', amx, join(repoRoot(), 'test/support/native/amx-host.c')]);
execFileSync('gcc', ['-O2', '-o', loop, join(repoRoot(), 'bench/native/ptrace-loop.c')]);
const shimLibrary = ensureShim().library;
if (!shimLibrary) throw new Error('the ptrace shim could not be built (see node dist/src/lab/uml-shim.js)');

type Variant = 'plain' | 'shim' | 'amx-sim';
const VARIANTS: Record<Variant, Pick<UmlOptions, 'shim' | 'preload'>> = {
  plain: { shim: false },
  shim: { shim: true },
  'amx-sim': { shim: true, preload: [amx] },
};

const SCRIPT =
  't0=$(date +%s%N); for i in 1 2 3; do node -e 0; done; echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$OUT/node-ms"';

interface Sample {
  initS: number;
  nodeMs: number;
  hostMs: number;
  cpuS: number;
}

/** CPU seconds (user + system) of this process's waited-for children: /proc/self/stat cutime + cstime. */
function childrenCpuS(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16, 17 of proc(5); USER_HZ = 100
}

async function once(v: Variant): Promise<Sample> {
  const cpu0 = childrenCpuS();
  const r = await runUml({ name: `boot-${v}`, script: SCRIPT, timeoutMs: 300_000, ...VARIANTS[v] });
  const cpuS = childrenCpuS() - cpu0;
  try {
    if (!r.ok) throw new Error(`${v}: guest failed: ${r.failure ?? r.log}`);
    const read = (f: string): number => Number(readFileSync(join(r.outDir, f), 'utf8').trim());
    return { initS: read(INIT_UPTIME), nodeMs: read('node-ms'), hostMs: r.durationMs, cpuS };
  } finally {
    r.cleanup();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** ns per round of ptrace-loop under the variant's LD_PRELOAD: in all, and in user mode. */
function loopNs(v: Variant): { all: number; user: number } {
  const o = VARIANTS[v];
  const preload = preloadValue(o.shim ? { library: shimLibrary! } : { problem: 'left out' }, o.preload);
  const out = execFileSync(loop, [], { encoding: 'utf8', env: { ...process.env, LD_PRELOAD: preload ?? '' } });
  const m = /ns_per_round=(\d+) user_ns_per_round=(\d+)/.exec(out);
  if (!m) throw new Error(`ptrace-loop (${v}): ${out.trim()}`);
  return { all: Number(m[1]), user: Number(m[2]) };
}

const loops: Record<Variant, number[]> = { plain: [], shim: [], 'amx-sim': [] };
const users: Record<Variant, number[]> = { plain: [], shim: [], 'amx-sim': [] };
for (let i = 0; i < 2 * rounds + 1; i++)
  for (const v of Object.keys(VARIANTS) as Variant[]) {
    const r = loopNs(v);
    loops[v].push(r.all);
    users[v].push(r.user);
  }
console.log(
  `# ptrace calls around one guest system call (GETREGS + xstate GET + SET), on the host, ${2 * rounds + 1} interleaved runs`,
);
for (const v of Object.keys(VARIANTS) as Variant[])
  console.log(
    `${v.padEnd(9)} ${median(loops[v]).toFixed(0).padStart(6)} ns per round  ratio ${(median(loops[v]) / median(loops.plain)).toFixed(3)}  (user mode ${median(users[v]).toFixed(0)} ns; runs: ${loops[v].join(' ')})`,
  );

const samples: Record<Variant, Sample[]> = { plain: [], shim: [], 'amx-sim': [] };
console.log(
  `# UML boot with and without the ptrace shim, ${rounds} interleaved rounds; load average ${loadavg()[0].toFixed(1)}`,
);
for (let i = 0; i < rounds; i++) {
  for (const v of Object.keys(VARIANTS) as Variant[]) {
    const s = await once(v);
    samples[v].push(s);
    console.log(
      `round ${i + 1} ${v}: init at ${s.initS.toFixed(2)} s (guest), 3× node -e 0 ${s.nodeMs} ms (guest), boot→halt ${s.hostMs} ms (host), guest CPU ${s.cpuS.toFixed(2)} s (host)`,
    );
  }
}
const m = (v: Variant, k: keyof Sample): number => median(samples[v].map((s) => s[k]));
console.log(`\nmedians (load average at the end ${loadavg()[0].toFixed(1)}):`);
console.log(
  'variant   init (guest s)  ratio   3×node (guest ms)  ratio   boot→halt (host ms)  ratio   guest CPU (host s)  ratio',
);
for (const v of Object.keys(VARIANTS) as Variant[]) {
  const cols = (['initS', 'nodeMs', 'hostMs', 'cpuS'] as const).map((k) => [m(v, k), m(v, k) / m('plain', k)]);
  console.log(
    `${v.padEnd(9)} ${cols[0][0].toFixed(2).padStart(14)}  ${cols[0][1].toFixed(3)}   ${cols[1][0].toFixed(0).padStart(17)}  ${cols[1][1].toFixed(3)}   ${cols[2][0].toFixed(0).padStart(19)}  ${cols[2][1].toFixed(3)}   ${cols[3][0].toFixed(2).padStart(18)}  ${cols[3][1].toFixed(3)}`,
  );
}
rmSync(dir, { recursive: true, force: true });
