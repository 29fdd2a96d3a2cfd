/**
 * Connection sync through a crash failover and a failback, lvsd next to keepalived 2.2.7 as the
 * directors, each in its own user-mode Linux boot (test/support/sync-failover: two directors, a
 * NAT virtual server over three backends, N long-lived connections from a client namespace).
 *   npm run build && node dist/bench/sync-failover.js [N=50] [INTERVAL_MS=100] [ADVERT_MS=1000] [RUNS=lvsd,keepalived,keepalived-delay]
 * RUNS: lvsd (its [sync] section, startup_delay 10 s), keepalived (lvs_sync_daemon, no
 * preempt_delay: what its documentation shows), keepalived-delay (preempt_delay 10 s), and the
 * contrasts lvsd-nosync / keepalived-nosync.
 * Prints per run: survivors of the failover and of the failback out of N, the pause each survivor
 * saw (median / max, ms; inside UML, so compare runs with each other and with the Master_Down
 * interval, not with real hardware), and the sync traffic (packets/s of the multicast group, seen
 * on lb2 for 10 s while lb1 is master, then while lb2 is).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LongConnsReport } from '../src/lab/long-conns.js';
import { repoRoot, runUml } from '../src/lab/uml.js';
import { snapshotBuild } from '../test/support/uml.js';
import { masterDownMs } from '../src/vrrp/machine.js';
import { keepalivedConfigs, lvsdConfigs } from '../test/support/sync-failover/configs.js';
import { eventOutcome, median } from '../test/support/sync-failover/results.js';
import { failoverScript, type FailoverOptions } from '../test/support/sync-failover/scenario.js';

const N = Number(process.argv[2] ?? 50);
const INTERVAL = Number(process.argv[3] ?? 100);
const ADVERT = Number(process.argv[4] ?? 1000);
const RUNS = (process.argv[5] ?? 'lvsd,keepalived,keepalived-delay').split(',');
const DELAY = 10_000;

function options(run: string): FailoverOptions {
  const keepalived = run.startsWith('keepalived');
  return {
    director: keepalived ? 'keepalived' : 'lvsd',
    sync: !run.endsWith('nosync'),
    forwarding: 'nat',
    conns: N,
    intervalMs: INTERVAL,
    advertMs: ADVERT,
    holdMs: Math.max(8000, N * 2),
    syncDelayMs: keepalived && run !== 'keepalived-delay' ? 0 : DELAY,
    countSyncPackets: true,
  };
}

function pcapCount(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return execFileSync('tcpdump', ['-r', file, '-n', '-q'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return undefined;
  }
}

function results(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of readFileSync(join(dir, 'results.txt'), 'utf8').split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

async function one(run: string, snap: { bin: string }): Promise<string> {
  const o = options(run);
  const configs = o.director === 'lvsd' ? lvsdConfigs(o) : keepalivedConfigs(o);
  const r = await runUml({
    name: `sf-${run}`.slice(0, 20),
    script: failoverScript(o, configs),
    timeoutMs: 1_800_000,
    mem: N > 1000 ? '1536M' : '1024M',
    env: { LVSD_BIN: snap.bin },
    keep: true,
  });
  const w = join(r.outDir, 'w');
  const keepDir = join(repoRoot(), 'bench/results/raw', `sync-failover-${run}-n${N}`);
  mkdirSync(keepDir, { recursive: true });
  for (const f of ['results.txt', 'timeline.txt', 'client.json'])
    if (existsSync(join(w, f))) writeFileSync(join(keepDir, f), readFileSync(join(w, f)));
  let line: string;
  try {
    const res = results(w);
    const rep = JSON.parse(readFileSync(join(w, 'client.json'), 'utf8')) as LongConnsReport;
    const fo = eventOutcome(rep, Number(res.crash_ms), Number(res.return_ms));
    const fb = eventOutcome(rep, Number(res.return_ms), rep.endedAt);
    const pps = (f: string) => {
      const n = pcapCount(join(w, f));
      return n === undefined ? '-' : (n / 10).toFixed(1);
    };
    const p = (xs: number[]) => `${median(xs)}/${xs[0] ?? 0}`;
    line = [
      run.padEnd(17),
      `${fo.survivors}/${fo.total}`.padStart(9),
      p(fo.pausesMs).padStart(11),
      `${fb.survivors}/${fb.total}`.padStart(9),
      p(fb.pausesMs).padStart(11),
      pps('sync-steady.pcap').padStart(9),
      pps('sync-master.pcap').padStart(9),
      `  synced on lb2 before the crash ${res.before_crash_lb2_synced}, on lb1 at failback ${res.after_failback_lb1_synced}`,
    ].join(' ');
  } catch (e) {
    line = `${run.padEnd(17)} FAILED: ${(e as Error).message} (guest ${r.ok ? 'ok' : 'failed'}; kept in ${r.outDir})`;
  }
  if (line.includes('FAILED')) return line;
  r.cleanup();
  return line;
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `sync failover, N=${N} connections, a message every ${INTERVAL} ms, adverts every ${ADVERT} ms ` +
    `(lb2's Master_Down_Interval ${masterDownMs(100, ADVERT / 10)} ms); machine load ${load}`,
);
console.log(
  'run                failover  pause med/max  failback  pause med/max  sync pps  sync pps  (lb1 master, then lb2 master)',
);
const snap = snapshotBuild();
try {
  for (const run of RUNS) console.log(await one(run, snap));
} finally {
  snap.cleanup();
}
