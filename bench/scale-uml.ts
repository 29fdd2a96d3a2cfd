/**
 * keepalived and lvsd side by side in ONE user-mode Linux boot (real IPVS) on keepalived #2318's
 * table (2,284 virtual servers × 16 real servers, TCP, wrr, NAT; bench/scale-configs.ts writes both
 * configs), each daemon in its own network namespace, interleaved rounds (bench/scale-guest.ts does
 * the measuring). Prints every figure and the ratios lvsd / keepalived. Times inside UML are only
 * meaningful as ratios.
 *
 * Topology in the guest: namespaces ka (keepalived) and lv (lvsd), each with a veth to namespace be,
 * which owns the real servers' 10.200.0.0/16 (a local route) and runs nginx on :8080 for the checks;
 * the kernel's TCP PassiveOpens counter of namespace be counts the probes (one daemon probes at a time).
 *
 *   npm run build && node dist/bench/scale-uml.js [ROUNDS=2] [RELOADS=100] [--checks] [--no-table]
 *        [--keepalived /path/to/keepalived] [--lvsd-noop control|log] [--mem 2500M]
 * (`--keepalived` runs another keepalived binary, e.g. one you built; the default is Debian's
 * /usr/sbin/keepalived. `--lvsd-noop control` times lvsd's no-op reload as a control-socket reload
 * request → its answer, for builds whose no-op reload logs nothing when done.)
 * SCALE_SERVICES / SCALE_DESTS change the table size (for trying the benchmark out quickly);
 * SCALE_CHECK_INTERVAL (s, default 5), SCALE_HEALTH_WARM (s, longest wait for a steady probe rate, 300)
 * and SCALE_HEALTH_WINDOW (s, 30) the health phase; SCALE_HEALTH_ONLY=lvsd|keepalived runs one daemon's
 * health phase, SCALE_HEALTH_START (s, 900) bounds its start (a daemon not started by then is described:
 * run state, CPU, threads, sockets).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runUml, shq } from '../src/lab/uml.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const nums = argv.filter((a) => /^\d+$/.test(a));
const rounds = nums[0] ?? '2';
const reloads = nums[1] ?? '100';
const guestArgs = [rounds, reloads];
if (argv.includes('--checks')) guestArgs.push('--checks');
if (argv.includes('--no-table')) guestArgs.push('--no-table');
guestArgs.push('--keepalived', opt('--keepalived', '/usr/sbin/keepalived'), '--lvsd-noop', opt('--lvsd-noop', 'log'));

const script = `set -u
for ns in ka lv be; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add k0 netns ka type veth peer name k1 netns be
ip link add l0 netns lv type veth peer name l1 netns be
ip -n ka addr add 10.49.1.1/30 dev k0; ip -n ka link set k0 up
ip -n lv addr add 10.49.2.1/30 dev l0; ip -n lv link set l0 up
ip -n be addr add 10.49.1.2/30 dev k1; ip -n be link set k1 up
ip -n be addr add 10.49.2.2/30 dev l1; ip -n be link set l1 up
ip -n ka route add 10.200.0.0/16 via 10.49.1.2
ip -n lv route add 10.200.0.0/16 via 10.49.2.2
ip -n be route add local 10.200.0.0/16 dev lo
ip netns exec be sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
for ns in ka lv; do ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="10000 65000"; done
mkdir -p $OUT/ng
cat > $OUT/ng/nginx.conf <<NG
user root root; worker_processes 1; error_log stderr error; worker_rlimit_nofile 65536;
events { worker_connections 32768; multi_accept on; }
http { access_log off; keepalive_timeout 0; client_body_temp_path $OUT/ng/cb; proxy_temp_path $OUT/ng/px;
       fastcgi_temp_path $OUT/ng/fc; uwsgi_temp_path $OUT/ng/uw; scgi_temp_path $OUT/ng/sc;
       server { listen 8080 backlog=65535; location / { return 200 "ok"; } } }
NG
ip netns exec be nginx -p $OUT/ng -c $OUT/ng/nginx.conf -g "daemon off; pid $OUT/ng/nginx.pid;" &
ulimit -n 1048576
echo "guest: $(nproc) cpu, $(free -m | awk '/Mem/ {print $2}') MB"
node "$LVSD_ROOT/dist/bench/scale-guest.js" ${guestArgs.map(shq).join(' ')}
`;

interface Rec {
  phase: string;
  daemon?: 'keepalived' | 'lvsd';
  [k: string]: unknown;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
}

/** The side-by-side table: mean and median of every round's figures, and lvsd / keepalived of both. */
function table(recs: Rec[]): string {
  const of = (phase: string, d: string, f: string): number[] =>
    recs.filter((r) => r.phase === phase && r.daemon === d && typeof r[f] === 'number').map((r) => r[f] as number);
  const rows: string[][] = [];
  const add = (label: string, phase: string, f: string, unit: 's' | 'MB' | 'core' | '/s' | 'µs', scale = 1) => {
    const k = of(phase, 'keepalived', f).map((x) => x * scale);
    const l = of(phase, 'lvsd', f).map((x) => x * scale);
    const fmt = (x: number) =>
      unit === 's'
        ? `${x.toFixed(2)} s`
        : unit === 'core'
          ? x.toFixed(3)
          : `${x.toFixed(0)}${unit === 'MB' ? ' MB' : ''}`;
    rows.push([
      `${label} (n = ${k.length}, ${l.length})`,
      `${fmt(mean(k))} / ${fmt(median(k))}`,
      `${fmt(mean(l))} / ${fmt(median(l))}`,
      `${(mean(l) / mean(k)).toFixed(2)} / ${(median(l) / median(k)).toFixed(2)}`,
    ]);
  };
  add('start → full table (own done mark)', 'start', 'startMs', 's', 1 / 1000);
  add('one weight + SIGHUP → visible in the kernel', 'reload-weight', 'visibleMs', 's', 1 / 1000);
  add('one weight + SIGHUP → daemon says done', 'reload-weight', 'markMs', 's', 1 / 1000);
  add('no-op SIGHUP → reload complete', 'reload-noop', 'markMs', 's', 1 / 1000);
  add('CPU per weight reload', 'reload-weight', 'cpuS', 's');
  add('CPU per no-op reload', 'reload-noop', 'cpuS', 's');
  add('RSS after programming', 'start', 'rssMb', 'MB');
  add('SIGTERM → exit', 'stop', 'exitMs', 's', 1 / 1000);
  if (recs.some((r) => r.phase === 'health')) {
    add('health: CPU (cores)', 'health', 'cores', 'core');
    add('health: probes/s seen at the backends', 'health', 'probesPerS', '/s');
    add('health: CPU µs per probe', 'health', 'usPerProbe', 'µs');
  }
  return [
    '| inside UML: ratios only; mean / median of rounds | keepalived | lvsd | lvsd / keepalived |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('SCALE_') && e[1] !== undefined),
  );
  const r = await runUml({ name: 'scale', script, timeoutMs: 3 * 3600_000, mem: opt('--mem', '2500M'), env });
  try {
    writeFileSync(join(r.outDir, 'host-copy.log'), r.log);
    console.log(
      `# keepalived vs lvsd in one UML boot, ${process.env.SCALE_SERVICES ?? 2284} × ${process.env.SCALE_DESTS ?? 16}, ${rounds} rounds, ${reloads} reloads; guest ${r.ok ? 'ok' : 'FAILED'} in ${(r.durationMs / 1000).toFixed(0)} s`,
    );
    console.log(r.log.trim());
    const recs = r.log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Rec);
    const digests = new Set(recs.filter((x) => x.phase === 'start').map((x) => x.digest));
    console.log(
      `\ntables identical (digest of sorted ipvsadm -S -n over every start): ${digests.size === 1 ? 'yes' : 'NO'} (${[...digests].join(', ')})`,
    );
    const w = recs.filter((x) => x.phase !== 'reloads-rss' && x.daemon === 'lvsd' && 'writes' in x);
    console.log(
      `lvsd netlink writes: weight reloads ${w
        .filter((x) => x.phase === 'reload-weight')
        .map((x) => x.writes)
        .join(',')}; no-op reloads ${w
        .filter((x) => x.phase === 'reload-noop')
        .map((x) => x.writes)
        .join(',')}`,
    );
    for (const x of recs.filter((x) => x.phase === 'reloads-rss'))
      console.log(
        `${x.daemon}: ${x.reloads} one-weight reloads back to back in ${x.seconds} s, SIGHUP → done mark ${JSON.stringify(x.reloadMs)} ms; RSS ${JSON.stringify(x.rss)} MB, growth ${(Number(x.growthVsFirstReload) * 100).toFixed(1)}% vs after the first reload, ${(Number(x.growthVsStart) * 100).toFixed(1)}% vs before`,
      );
    for (const x of recs.filter((x) => x.phase === 'stop'))
      console.log(
        `${x.daemon} round ${x.round} SIGTERM: ${x.entriesBefore} entries, exit after ${x.exitMs} ms, ${x.leftAfterExit} left after it exited, ${x.leftAt5s ?? '(not counted by then)'} at the last count before 5 s, all gone ${x.allGoneMs === null ? 'NOT within 10 s' : `by ${x.allGoneMs} ms`} (counts: ${JSON.stringify(x.polls)})`,
      );
    const rl = recs.filter((x) => x.phase === 'reloads-rss');
    const med = (d: string) => (rl.find((x) => x.daemon === d)?.reloadMs as { median?: number } | undefined)?.median;
    const [mk, ml] = [med('keepalived'), med('lvsd')];
    if (mk && ml) console.log(`median of the back-to-back reloads, lvsd / keepalived: ${(ml / mk).toFixed(2)}`);
    console.log('');
    console.log(table(recs));
    if (!r.ok) console.log(r.console.slice(-3000));
  } finally {
    if (r.ok) r.cleanup();
    else console.log(`(guest output kept in ${r.outDir})`);
  }
}

void main();
