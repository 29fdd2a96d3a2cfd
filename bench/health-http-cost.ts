/**
 * CPU cost of one plain-HTTP health probe (fresh connection each time) for several client candidates,
 * against nginx in a private network namespace (nginx is another process: only the client's CPU counts).
 * Each candidate runs in its own child process at a fixed rate (default 2,000 probes/s over 2,000
 * addresses 127.60.x.y), with a warm-up, then a measured window; it prints µs CPU per probe (user + sys).
 *
 * Usage (root, after npm run build):
 *   node dist/bench/health-http-cost.js [rate=2000] [seconds=10] [candidate ...]
 * Set LVSD_BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") to pass flags to the measured child.
 * Candidates (default: all but the -https ones): tcp, floor, checker, undici-client, undici-lean, node-http;
 * HTTPS (full handshake per probe, certificate verified against a CA file): checker-https, undici-https.
 * Anchor: `floor` (connect, write a fixed request, read the first chunk, RST; no parsing) is the least a
 * fresh-connection HTTP probe can cost in Node; the ratio column is candidate / floor.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Candidate, candidates } from './health-http-candidates.js';
import { startBenchNginx } from './health-http-nginx.js';

const here = dirname(fileURLToPath(import.meta.url));
const PORT = 8080;
const TLS_PORT = 8443;
const WARMUP_S = 2;

/** 127.60.b.c for i = 0..: the same address plan as bench/health-load.ts's HTTP targets. */
const addr = (i: number): string =>
  `127.${60 + Math.floor(i / 62500)}.${Math.floor((i % 62500) / 250)}.${(i % 250) + 1}`;

/** Child side: runs one candidate at `rate` probes/s and prints one JSON line. */
async function child(name: string, rate: number, seconds: number): Promise<void> {
  const probe: Candidate = await candidates[name]();
  let next = 0;
  let done = 0;
  let ok = 0;
  let firstFailure = '';
  const perTick = rate / 200; // every 5 ms
  const tick = setInterval(() => {
    for (let k = 0; k < perTick; k++)
      probe(addr(next++ % rate), name.endsWith('-https') ? TLS_PORT : PORT, (good, why) => {
        done++;
        if (good) ok++;
        else firstFailure ||= why;
      });
  }, 5);
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const [cpu0, d0, t0] = [process.cpuUsage(), done, performance.now()];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const probes = done - d0;
  clearInterval(tick);
  const us = (v: number): number => +(v / probes).toFixed(1);
  const out = {
    candidate: name,
    probesPerS: Math.round((probes * 1000) / (performance.now() - t0)),
    okRatio: +(ok / Math.max(done, 1)).toFixed(4),
    usPerProbe: us(cpu.user + cpu.system),
    userUs: us(cpu.user),
    sysUs: us(cpu.system),
    firstFailure,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

function runChild(ns: string, name: string, rate: number, seconds: number): Record<string, unknown> {
  const flags = (process.env.LVSD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean); // e.g. "--cpu-prof" for profiling
  const out = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      ...flags,
      join(here, 'health-http-cost.js'),
      '--child',
      name,
      String(rate),
      String(seconds),
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

/** SIGKILLs every process left in the namespace (nginx's worker outlives a killed master). */
function killAllIn(ns: string): void {
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
}

async function parent(args: string[]): Promise<void> {
  const nums = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const [rate = 2000, seconds = 10] = nums;
  const names = args.filter((a) => !/^\d+$/.test(a));
  const chosen = names.length ? names : Object.keys(candidates).filter((n) => !n.endsWith('-https'));
  for (const n of chosen)
    if (!candidates[n]) throw new Error(`unknown candidate "${n}"; known: ${Object.keys(candidates).join(', ')}`);
  const ns = `lvb-httpcost-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-httpcost-'));
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const nginx = await startBenchNginx(ns, dir, PORT, TLS_PORT);
    process.env.LVSD_BENCH_CA = join(dir, 'web.test.crt');
    console.log(
      `# HTTP probe cost: ${rate} probes/s, ${WARMUP_S} s warm-up + ${seconds} s measured per candidate, nginx in netns ${ns}`,
    );
    const rows = chosen.map((n) => runChild(ns, n, rate, seconds));
    const floor = rows.find((r) => r.candidate === 'floor')?.usPerProbe as number | undefined;
    console.log('| candidate | probes/s | ok | µs CPU/probe (user + sys) | ÷ floor | first failure |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.candidate} | ${r.probesPerS} | ${r.okRatio} | ${r.usPerProbe} (${r.userUs} + ${r.sysUs}) | ${floor ? (Number(r.usPerProbe) / floor).toFixed(2) : '-'} | ${r.firstFailure || '-'} |`,
      );
    nginx.kill('SIGKILL');
  } finally {
    killAllIn(ns);
    execFileSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') void child(argv[1], Number(argv[2]), Number(argv[3]));
else void parent(argv);
