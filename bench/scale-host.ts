/**
 * 100,000 checked real servers on one host: lvsd (memory dataplane) with SERVICES × DESTS (default
 * 10,000 × 10) real servers, each with a TCP check every 5 s (20,000 probes/s), in a private network
 * namespace whose 127.x.y.z addresses all reach one listener (bench/scale-listener.ts: after the first
 * connection it sets TCP_DEFER_ACCEPT, so the kernel answers every probe and no user-space server can
 * be the bottleneck). nftables counts the probes in the kernel, per target (a dynamic set with a
 * counter per destination address), so "every probe on schedule" is checked target by target.
 * Reports:
 *  - spawn → first probe at the listener (goal ≤ 1 s);
 *  - over WINDOW + 10 s after WARM seconds (the kernel's counts read 5 s before and after the lag
 *    window, so their own CPU is not in it): lvsd CPU (utime + stime, goal ≤ 1.5 cores), probes/s counted by
 *    the kernel, probes per target (each should get the span / 5, ± 1 for its edges), the
 *    scheduler lag from lvsd's own lvsd_scheduler_lag_seconds histogram (goal p99 ≤ 20 ms), RSS (goal
 *    ≤ 600 MB) and peak RSS;
 *  - one weight changed + SIGHUP → the reconcile pass that wrote it (goal ≤ 1 s), its writes and CPU;
 *  - the kernel's listen drops and SYN cookies in the namespace (both must be 0: nothing was refused).
 *  - what one whole /metrics scrape costs: its size and time, and the lag of the probes around it.
 * The lag histogram is read with `/metrics?name[]=...` (its two families only), so the measuring
 * does not load the daemon it measures; --full-scrapes reads it with whole scrapes instead.
 *   node dist/bench/scale-host.js [SERVICES=10000] [DESTS=10] [WINDOW_S=60] [WARM_S=20] [--no-metrics]
 *     [--full-scrapes] [--rps=MASK]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lvsd, scratch } from './daemon-util.js';
import { lvsdConf, type ScaleTable } from './scale-configs.js';

const here = dirname(fileURLToPath(import.meta.url));
const nums = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const [SERVICES = 10_000, DESTS = 10, WINDOW = 60, WARM = 20] = nums;
const METRICS = !process.argv.includes('--no-metrics');
/**
 * --full-scrapes: read the lag histogram at the window's edges with whole /metrics scrapes (tens of
 * MB at 100,000 destinations, seconds of the daemon's main thread inside the window) instead of
 * asking for its two families only (`/metrics?name[]=...`).
 */
const FULL_SCRAPES = process.argv.includes('--full-scrapes');
/** --rps=MASK: receive packet steering for the namespace's loopback (hex CPU mask; see the header). */
const RPS = process.argv.find((a) => a.startsWith('--rps='))?.slice(6);
const PORT = 8080;
/** Seconds between a read of the kernel's counts and the lag window. */
const SETTLE = 5;
const INTERVAL_S = 5;
const EDIT = { s: Math.min(5000, SERVICES - 1), d: Math.min(3, DESTS - 1) };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

function procStat(pid: number): { rssMb: number; hwmMb: number; ticks: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? NaN);
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, ticks: Number(f[11]) + Number(f[12]) };
}

/** Probe counts per destination address (nftables set elements) and the total SYN counter. */
function nftCounts(ns: string): { total: number; per: Map<string, number> } {
  const out = sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'scale']);
  const per = new Map<string, number>();
  for (const m of out.matchAll(/(\d+\.\d+\.\d+\.\d+)(?: timeout \S+)?(?: expires \S+)? counter packets (\d+)/g))
    per.set(m[1]!, Number(m[2]));
  const total = Number(/flags syn counter packets (\d+)/.exec(out)?.[1] ?? NaN);
  return { total, per };
}

/**
 * Cumulative buckets of lvsd_scheduler_lag_seconds ("le" → count) and lvsd_probes_total by result
 * ("result:<r>" → count), from /metrics inside the namespace.
 */
function lagBuckets(ns: string, listen: string): Map<string, number> {
  const query = FULL_SCRAPES ? '' : '?name[]=lvsd_scheduler_lag_seconds&name[]=lvsd_probes_total';
  const text = sh('ip', ['netns', 'exec', ns, 'curl', '-sfg', '--max-time', '30', `http://${listen}/metrics${query}`]);
  const m = new Map<string, number>();
  for (const x of text.matchAll(/^lvsd_scheduler_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
    m.set(x[1]!, Number(x[2]));
  for (const x of text.matchAll(/^lvsd_probes_total\{[^}]*result="([^"]+)"[^}]*\} (\d+)/gm))
    m.set(`result:${x[1]!}`, (m.get(`result:${x[1]!}`) ?? 0) + Number(x[2]));
  return m;
}

function netstat(ns: string): Record<string, number> {
  const text = sh('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netstat']);
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const keys = lines[0]!.split(/\s+/);
  const vals = lines[1]!.split(/\s+/);
  const o: Record<string, number> = {};
  for (const k of ['ListenOverflows', 'ListenDrops', 'SyncookiesSent', 'TCPReqQFullDrop'])
    o[k] = Number(vals[keys.indexOf(k)]);
  return o;
}

async function main(): Promise<void> {
  const ns = `lvb17-${process.pid}`;
  const { dir, rm } = scratch('scale-host');
  const listen = '127.0.0.1:9477';
  const table: ScaleTable = {
    services: SERVICES,
    dests: DESTS,
    vip: (s) => `10.${100 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`,
    rs: (s, d) => {
      const n = s * DESTS + d;
      return `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
    },
    rsPort: PORT,
    check: { intervalS: INTERVAL_S, timeoutS: 2 },
  };
  const cfg = join(dir, 'lvsd.toml');
  const write = (weight?: ScaleTable['weight']) =>
    writeFileSync(cfg, lvsdConf({ ...table, weight }, { dir, metricsListen: METRICS ? listen : undefined }));
  write();
  sh('ip', ['netns', 'add', ns]);
  let listener: ReturnType<typeof spawn> | undefined;
  let d: Lvsd | undefined;
  try {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', [
      'netns',
      'exec',
      ns,
      'sysctl',
      '-qw',
      'net.core.somaxconn=65535',
      'net.ipv4.tcp_max_syn_backlog=65535',
      'net.ipv4.ip_local_port_range=10000 65000',
    ]);
    if (RPS) sh('ip', ['netns', 'exec', ns, 'sh', '-c', `echo ${RPS} > /sys/class/net/lo/queues/rx-0/rps_cpus`]);
    const rules = `table inet scale {
  set seen { type ipv4_addr; size 262144; flags dynamic; counter; }
  chain in {
    type filter hook input priority 0;
    tcp dport ${PORT} tcp flags syn counter update @seen { ip daddr }
  }
}\n`;
    writeFileSync(join(dir, 'rules.nft'), rules);
    sh('ip', ['netns', 'exec', ns, 'nft', '-f', join(dir, 'rules.nft')]);
    listener = spawn('ip', ['netns', 'exec', ns, process.execPath, join(here, 'scale-listener.js'), String(PORT)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let lout = '';
    listener.stdout!.setEncoding('utf8').on('data', (c: string) => (lout += c));
    while (!lout.includes('listening')) await sleep(20);
    const load0 = loadavg()[0]!;
    console.log(
      `# ${SERVICES * DESTS} real servers (${SERVICES} × ${DESTS}), TCP check every ${INTERVAL_S} s = ${(SERVICES * DESTS) / INTERVAL_S} probes/s, memory dataplane, metrics ${METRICS ? 'on' : 'off'}, loopback RPS ${RPS ?? 'off'}; load average ${load0.toFixed(2)}`,
    );
    const t0 = Date.now();
    d = new Lvsd(['-f', cfg, '--dataplane', 'memory'], process.env, ns);
    const started = await d.next((l) => l.msg === 'lvsd started', 0, 300_000);
    while (!/first (\d+)/.test(lout)) await sleep(10);
    const first = Number(/first (\d+)/.exec(lout)![1]) - t0;
    console.log(
      `spawn → first probe at the listener: ${first} ms (goal ≤ 1000 ms); spawn → "lvsd started": ${started.at - t0} ms`,
    );
    await sleep(Math.max(0, WARM * 1000 - (Date.now() - started.at)));
    const pid = d.proc.pid!;
    // The kernel's counts are read outside the lag window, SETTLE s away from it: listing 100,000
    // set elements takes the nft process about a core-second, which the daemon would pay in lag.
    const c0 = nftCounts(ns);
    const a = procStat(pid);
    const ta = Date.now();
    await sleep(SETTLE * 1000);
    const lag0 = METRICS ? lagBuckets(ns, listen) : undefined;
    const tl = Date.now();
    await sleep(WINDOW * 1000);
    const lag1 = METRICS ? lagBuckets(ns, listen) : undefined;
    const lagSecs = (Date.now() - tl) / 1000;
    await sleep(SETTLE * 1000);
    const b = procStat(pid);
    const secs = (Date.now() - ta) / 1000;
    const c1 = nftCounts(ns);
    const cores = (b.ticks - a.ticks) / 100 / secs;
    const rate = (c1.total - c0.total) / secs;
    const expected = Math.round(secs / INTERVAL_S);
    const hist = new Map<number, number>();
    let off = 0;
    for (let s = 0; s < SERVICES; s++)
      for (let x = 0; x < DESTS; x++) {
        const addr = table.rs(s, x);
        const n = (c1.per.get(addr) ?? 0) - (c0.per.get(addr) ?? 0);
        hist.set(n, (hist.get(n) ?? 0) + 1);
        if (Math.abs(n - expected) > 1) off++;
      }
    console.log(
      `window ${secs.toFixed(1)} s: lvsd CPU ${cores.toFixed(3)} cores (goal ≤ 1.5); probes counted by the kernel ${rate.toFixed(0)}/s (configured ${(SERVICES * DESTS) / INTERVAL_S}/s)`,
    );
    console.log(
      `probes per target in the window (expected ${expected} ± 1): ${[...hist]
        .sort((p, q) => p[0] - q[0])
        .map(([n, k]) => `${n}: ${k}`)
        .join(', ')}; targets off schedule: ${off} of ${SERVICES * DESTS}`,
    );
    if (lag0 && lag1) {
      const inf = (lag1.get('+Inf') ?? 0) - (lag0.get('+Inf') ?? 0);
      const results = [...lag1].filter(([k]) => k.startsWith('result:'));
      console.log(
        `rounds ended in the window, by result: ${results.map(([k, n]) => `${k.slice(7)} ${n - (lag0.get(k) ?? 0)}`).join(', ')}`,
      );
      const parts = [...lag1]
        .filter(([k]) => !k.startsWith('result:'))
        .map(([le, n]) => {
          const k = n - (lag0.get(le) ?? 0);
          return `≤${le}s ${((k / inf) * 100).toFixed(3)}%`;
        });
      const under20 = ((lag1.get('0.02') ?? 0) - (lag0.get('0.02') ?? 0)) / inf;
      console.log(
        `scheduler lag (lvsd's histogram, ${inf} probes in the ${lagSecs.toFixed(1)} s lag window): ${parts.join(', ')}; p99 ≤ 20 ms: ${under20 >= 0.99 ? 'yes' : 'NO'}`,
      );
    }
    console.log(
      `RSS after the window: ${b.rssMb.toFixed(1)} MB, peak ${b.hwmMb.toFixed(1)} MB (goal ≤ 600 MB); listener accepted: ${/accepted (\d+)\n[^]*$/.exec(lout)?.[1] ?? '?'} connections in user space`,
    );
    console.log(`kernel (namespace): ${JSON.stringify(netstat(ns))}`);
    if (METRICS) {
      // what one whole scrape costs (an operator's Prometheus job): its size and time, and the lag
      // of the probes in the 10 s around it
      const l0 = lagBuckets(ns, listen);
      const ts = Date.now();
      const whole = sh('ip', ['netns', 'exec', ns, 'curl', '-sf', '--max-time', '60', `http://${listen}/metrics`]);
      const took = Date.now() - ts;
      await sleep(Math.max(0, 10_000 - took));
      const l1 = lagBuckets(ns, listen);
      const n = (l1.get('+Inf') ?? 0) - (l0.get('+Inf') ?? 0);
      const share = (le: string) => (((l1.get(le) ?? 0) - (l0.get(le) ?? 0)) / n) * 100;
      console.log(
        `one whole /metrics scrape: ${(whole.length / 2 ** 20).toFixed(1)} MB in ${took} ms; lag of the ${n} probes in the ${((Date.now() - ts) / 1000).toFixed(1)} s around it: ≤20 ms ${share('0.02').toFixed(1)} %, ≤100 ms ${share('0.1').toFixed(1)} %, ≤1 s ${share('1').toFixed(1)} %`,
      );
    }
    let from = d.lines.length;
    for (let i = 1; i <= 3; i++) {
      write((s, x) => (s === EDIT.s && x === EDIT.d ? 100 + i : 100));
      const ca = procStat(pid).ticks;
      const t = Date.now();
      d.proc.kill('SIGHUP');
      const rec = await d.next((l) => l.msg === 'reconciled', from);
      from = rec.i + 1;
      await sleep(300);
      console.log(
        `one weight changed + SIGHUP → applied: ${rec.at - t} ms (goal ≤ 1000 ms), ${String(rec.l.ops)} write(s), CPU ${((procStat(pid).ticks - ca) / 100).toFixed(2)} s`,
      );
    }
    const warned = new Map<string, number>();
    for (const { l } of d.lines)
      if (Number(l.level) >= 40) {
        const k = `${String(l.msg)}${l.reason ? ` (${String(l.reason)})` : ''}`;
        warned.set(k, (warned.get(k) ?? 0) + 1);
      }
    console.log(`lvsd warnings: ${warned.size ? [...warned].map(([k, n]) => `${n} × ${k}`).join('; ') : 'none'}`);
    console.log(`load average at the end ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    await d?.stop();
    listener?.kill('SIGTERM');
    await sleep(200);
    try {
      for (const p of sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
    } catch {
      /* gone */
    }
    sh('ip', ['netns', 'del', ns]);
    rm();
  }
}

await main();
