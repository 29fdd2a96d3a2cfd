/**
 * VRRP under load (root; `npm run build` first):
 *   [LVSD_LOAD_SYNC=1000x10] node dist/bench/vrrp-load.js [seconds=600] [targets=10000] [thread=1]
 * (LVSD_LOAD_SYNC adds the reconciler syncing a large table in the same process; see vrrp-load-node.ts)
 * lb1 runs ONE process: the VRRP service (master, v3, advert 50 ms) plus the health engine doing
 * `targets` TCP checks per second against nginx in the same namespace. lb2 runs keepalived 2.2.7
 * (priority 100) as the peer. A client namespace sniffs the wire (tcpdump). Reported: the advert
 * send jitter seen on the wire (|gap − 50 ms|: p50/p99/max), false failovers (keepalived entering
 * MASTER, or any keepalived advert on the wire), checks/s achieved, main-thread event-loop delay.
 * Goal: 0 false failovers, jitter p99 ≤ 5 ms. thread=0 runs VRRP on the main thread for contrast.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Lab, lvsdInstance, sniff, until } from './vrrp-lab.js';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function main(): Promise<void> {
  const secs = Number(process.argv[2] ?? 600);
  const targets = Number(process.argv[3] ?? 10000);
  const thread = process.argv[4] !== '0';
  const lab = new Lab('vbl');
  const vip = `${lab.net}.50`;
  const inst = { vrid: 51, version: 3 as const, intervalMs: 50, vips: [`${vip}/24`] };
  const [r0, r1] = [lab.routers[0]!, lab.routers[1]!];
  const s = sniff(lab);
  try {
    const nginxConf = join(lab.dir, 'nginx.conf');
    writeFileSync(
      nginxConf,
      `daemon off; worker_processes 1; pid ${lab.dir}/nginx.pid; error_log stderr;\nevents { worker_connections 4096; }\nhttp { access_log off; server { listen 8080 backlog=4096; return 200; } }\n`,
    );
    r0.ns.spawn('nginx', ['-c', nginxConf, '-p', lab.dir]);
    r0.ns.exec('sysctl', ['-qw', 'net.core.somaxconn=4096']);
    lab.startKeepalived(1, { ...inst, priority: 100 });
    const vrrpFile = join(lab.dir, 'load-vrrp.json');
    writeFileSync(vrrpFile, JSON.stringify({ vrrp_instance: [lvsdInstance({ ...inst, priority: 150 })] }));
    const out: string[] = [];
    const p = spawn(
      'ip',
      [
        'netns',
        'exec',
        r0.ns.name,
        process.execPath,
        resolve('dist/bench/vrrp-load-node.js'),
        vrrpFile,
        String(targets),
        '1000',
        '8080',
        String(secs + 600),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LVSD_VRRP_THREAD: thread ? '1' : '0' } },
    );
    p.stdout.on('data', (d: Buffer) => out.push(...d.toString().split('\n').filter(Boolean)));
    await until(() => lab.holders(vip).join() === '0', 20_000, 'lvsd master');
    await new Promise((r) => setTimeout(r, 15_000)); // let the check load reach steady state (startup of 10k probes stalls the main thread)
    const from = Date.now() / 1000;
    const kaLogBefore = r1.stderr.join('').split('Entering MASTER STATE').length;
    await new Promise((r) => setTimeout(r, secs * 1000));
    const to = Date.now() / 1000;
    const exited = new Promise<void>((res) => (p.exitCode !== null ? res() : p.once('exit', () => res())));
    p.stdin.write('stop\n');
    await exited;
    const adverts = s.frames.filter((f) => f.kind === 'vrrp' && f.ts >= from && f.ts <= to);
    const mine = adverts.filter((f) => f.mac === r0.mac).map((f) => f.ts);
    const gaps = mine.slice(1).map((t, i) => (t - mine[i]!) * 1000);
    const jitter = gaps.map((g) => Math.abs(g - 50));
    const kaAdverts = adverts.filter((f) => f.mac === r1.mac).length;
    const kaMaster = r1.stderr.join('').split('Entering MASTER STATE').length - kaLogBefore;
    const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.find((x) => x.ev === 'summary');
    const rates = lines
      .filter((x) => x.ev === 'rate')
      .slice(15)
      .map((x) => Number(x.checksPerSec));
    const lags = lines
      .filter((x) => x.ev === 'rate')
      .slice(15)
      .map((x) => Number(x.lagP99Ms));
    console.log(`| figure | value |\n|---|---|`);
    console.log(`| duration measured | ${(to - from).toFixed(0)} s |`);
    console.log(`| VRRP placement | ${thread ? 'worker thread' : 'main thread (contrast run)'} |`);
    console.log(
      `| health checks done (TCP, main thread) | ${Number(summary?.checksPerSec ?? NaN).toFixed(0)} /s (${String(summary?.checks)} in ${Number(summary?.seconds ?? NaN).toFixed(0)} s) |`,
    );
    console.log(
      `| checks/s per second after ramp-up: p10 / median / p90 | ${pct(rates, 10)} / ${pct(rates, 50)} / ${pct(rates, 90)} |`,
    );
    console.log(`| health verdicts gone down (should be 0: nginx is up) | ${String(summary?.downs)} |`);
    console.log(
      `| main-thread event-loop delay p99 (cumulative since start, sampled each second after ramp-up): median / max | ${pct(lags, 50).toFixed(1)} / ${Math.max(...lags).toFixed(1)} ms |`,
    );
    console.log(
      `| main-thread event-loop delay p99 / max (whole run incl. startup) | ${Number(summary?.loopDelayP99Ms).toFixed(1)} / ${Number(summary?.loopDelayMaxMs).toFixed(1)} ms |`,
    );
    if (summary?.syncPasses !== undefined)
      console.log(
        `| reconciler sync (LVSD_LOAD_SYNC=${process.env.LVSD_LOAD_SYNC}, memory dataplane, every 5 s) | ${String(summary.syncPasses)} passes, ${String(summary.syncOps)} ops, slowest pass ${Number(summary.syncPassMaxMs).toFixed(0)} ms |`,
      );
    console.log(`| adverts on the wire from lvsd | ${mine.length} (expected ≈ ${Math.round((to - from) * 20)}) |`);
    console.log(
      `| advert gap p50 / p99 / max | ${pct(gaps, 50).toFixed(2)} / ${pct(gaps, 99).toFixed(2)} / ${Math.max(...gaps).toFixed(2)} ms |`,
    );
    console.log(
      `| send jitter abs(gap − 50 ms) p50 / p99 / max | ${pct(jitter, 50).toFixed(2)} / ${pct(jitter, 99).toFixed(2)} / ${Math.max(...jitter).toFixed(2)} ms (goal p99 ≤ 5 ms) |`,
    );
    console.log(
      `| false failovers (keepalived → MASTER) | ${kaMaster} (keepalived adverts on the wire: ${kaAdverts}) |`,
    );
  } finally {
    s.stop();
    lab.close();
  }
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
