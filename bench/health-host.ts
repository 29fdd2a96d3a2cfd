/**
 * Host benchmark of the health engine alone: 10,000 TCP + 2,000 HTTP checks per second (each target at
 * a 1 s interval) against nginx listening on every 127.x address, all inside a private network namespace.
 * The load server (nginx) is a separate process, so only lvsd's CPU is counted. Prints the engine's
 * figures and the ratio to the anchor (a naive Node client doing only the 10k TCP connects/s: 0.76 core),
 * and, when run with --naive, also measures such a naive client here for a same-machine ratio.
 * Usage (root, after npm run build): node dist/bench/health-host.js [tcp=10000] [http=2000] [--no-metrics] [--naive]
 * LVSD_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" passes Node flags to the measured processes;
 * LVSD_BENCH_CHILD_LOG=PATH keeps their whole stdout (e.g. with --trace-gc) in PATH.<script>;
 * LVSD_BENCH_STRACE=PATH runs them under `strace -f -c` and leaves the syscall table in PATH.<script>.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const PORT = 8080;
const ANCHOR_NAIVE_CORES = 0.76;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

function cpuTicks(pid: number): number {
  try {
    const stat = sh('cat', [`/proc/${pid}/stat`]);
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s)
  } catch {
    return 0;
  }
}

/** CPU ticks of every process in the namespace except `skip` (nginx master and worker). */
function nsTicks(ns: string, skip: number): number {
  const pids = sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean).map(Number);
  return pids.filter((p) => p !== skip).reduce((t, p) => t + cpuTicks(p), 0);
}

function startNginx(ns: string, dir: string): number {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `user root root; worker_processes 1; worker_rlimit_nofile 20000; error_log stderr error;
     events { worker_connections 16000; multi_accept on; }
     http { access_log off; keepalive_timeout 0; client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px;
            fastcgi_temp_path ${dir}/fc; uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
            server { listen ${PORT} backlog=4096; location = /h { return 200 "ok\\n"; } } }`,
  );
  const p = spawn(
    'ip',
    ['netns', 'exec', ns, 'nginx', '-p', dir, '-c', conf, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid;`],
    { stdio: 'inherit' },
  );
  return p.pid!;
}

/** Runs a node script inside the namespace and returns its JSON line; samples the server's CPU meanwhile. */
async function runIn(ns: string, script: string, args: string[]): Promise<Record<string, unknown>> {
  const flags = process.env.LVSD_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []; // e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
  const trace = process.env.LVSD_BENCH_STRACE
    ? ['strace', '-f', '-c', '-o', `${process.env.LVSD_BENCH_STRACE}.${script}`]
    : []; // syscall counts (slows the run: CPU figures then mean nothing)
  const child = spawn('ip', ['netns', 'exec', ns, ...trace, process.execPath, ...flags, join(here, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const s0 = nsTicks(ns, child.pid!);
  const t0 = Date.now();
  const code = await new Promise((r) => child.on('exit', r));
  const serverCores = (nsTicks(ns, child.pid!) - s0) / 100 / ((Date.now() - t0) / 1000);
  if (code !== 0) throw new Error(`${script} exited ${code}: ${out}`);
  if (process.env.LVSD_BENCH_CHILD_LOG) writeFileSync(`${process.env.LVSD_BENCH_CHILD_LOG}.${script}`, out); // e.g. --trace-gc output
  const json =
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1) ?? '{}';
  return { ...JSON.parse(json), serverCoresWholeRun: +serverCores.toFixed(3) };
}

async function main(): Promise<void> {
  const nums = process.argv
    .slice(2)
    .filter((a) => /^\d+$/.test(a))
    .map(Number);
  const [tcp = 10_000, http = 2_000] = nums;
  const metrics = !process.argv.includes('--no-metrics');
  const ns = `lvb-health-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-health-'));
  sh('ip', ['netns', 'add', ns]);
  try {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=10000 65000']);
    const nginx = startNginx(ns, dir);
    await new Promise((r) => setTimeout(r, 500));
    console.log(
      `# health engine, host: ${tcp} TCP + ${http} HTTP targets at 1 s, nginx in netns ${ns}, metrics ${metrics ? 'on' : 'off'}`,
    );
    const r = await runIn(ns, 'health-load.js', [
      String(tcp),
      String(http),
      String(PORT),
      '5',
      '20',
      metrics ? '1' : '0',
    ]);
    console.log(JSON.stringify(r));
    console.log(
      `lvsd engine: ${r.cpuCores} core (user ${r.userCores} + system ${r.systemCores}), lag p99 ${r.schedulerLagP99Ms} ms, peak RSS ${r.peakRssMB} MB, ${r.roundsPerS} rounds/s`,
    );
    console.log(
      `ratio to anchor (naive 10k TCP connects/s client = ${ANCHOR_NAIVE_CORES} core): ${(Number(r.cpuCores) / ANCHOR_NAIVE_CORES).toFixed(2)}`,
    );
    if (process.argv.includes('--naive')) {
      const n = await runIn(ns, 'health-naive.js', [String(tcp), String(PORT), '5', '20']);
      console.log(JSON.stringify(n));
      console.log(
        `naive client here: ${n.cpuCores} core; lvsd/naive (lvsd also does ${http} HTTP/s) = ${(Number(r.cpuCores) / Number(n.cpuCores)).toFixed(2)}`,
      );
    }
    process.kill(nginx, 'SIGKILL');
  } finally {
    try {
      for (const pid of sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
    sh('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
