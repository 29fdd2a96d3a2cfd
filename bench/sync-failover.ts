/**
 * Connection sync through a crash failover and a failback, lvsd next to keepalived 2.2.7 as the
 * directors, each run in its own user-mode Linux boot (test/support/sync-failover: two directors,
 * a NAT virtual server over three backends, N long-lived connections from a client namespace; the
 * master crashes, then returns with an empty connection table and preempts).
 *   npm run build && node dist/bench/sync-failover.js [N=50] [INTERVAL_MS=100] [ADVERT_MS=1000] [RUNS=lvsd,keepalived,keepalived-delay]
 * RUNS: lvsd ([sync], startup_delay 10 s), keepalived (lvs_sync_daemon, no preempt_delay: its
 * documented setup), keepalived-delay (preempt_delay 10 s), lvsd-nosync and keepalived-nosync; a
 * "-refresh" suffix sets net.ipv4.vs.sync_threshold = "3 0" and sync_refresh_period = 5 on both
 * directors (each connection re-sent by time, every 5 s, instead of every 50 packets).
 * Prints per run: survivors of the failover and of the failback out of N; the pause the survivors
 * saw around each (median / max, ms), next to the guest's own stalls in a quiet stretch before the
 * crash (the noise floor: inside UML, compare runs with each other and with the Master_Down
 * interval, not with real hardware); the sync traffic in packets/s (the multicast group, captured
 * on lb2 while lb1 is master, 5 s at N ≤ 1000, else 25 s). Raw results go to bench/results/raw/sync-failover-RUN-nN/.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/lab/uml.js';
import { masterDownMs } from '../src/vrrp/machine.js';
import { bootScenarios, scenarioResults } from '../test/support/sync-failover/boot.js';
import { median } from '../test/support/sync-failover/results.js';
import type { FailoverOptions } from '../test/support/sync-failover/scenario.js';

const N = Number(process.argv[2] ?? 50);
const INTERVAL = Number(process.argv[3] ?? 100);
const ADVERT = Number(process.argv[4] ?? 1000);
const RUNS = (process.argv[5] ?? 'lvsd,keepalived,keepalived-delay').split(',');
const DELAY = 10_000;
/** Seconds of sync traffic counted: a whole re-send period (every 50 packets: ~25 s at 1 message/s). */
const CAPTURE_S = N > 1000 ? 25 : 5;

function options(run: string): FailoverOptions {
  const keepalived = run.startsWith('keepalived');
  const refresh = run.endsWith('-refresh');
  const base = refresh ? run.slice(0, -'-refresh'.length) : run;
  return {
    sysctls: refresh ? ['net.ipv4.vs.sync_threshold="3 0"', 'net.ipv4.vs.sync_refresh_period=5'] : [],
    director: keepalived ? 'keepalived' : 'lvsd',
    sync: !base.endsWith('nosync'),
    forwarding: 'nat',
    conns: N,
    intervalMs: INTERVAL,
    advertMs: ADVERT,
    holdMs: N > 1000 ? 30_000 : 8000,
    syncDelayMs: keepalived && base !== 'keepalived-delay' ? 0 : DELAY,
    syncCaptureS: CAPTURE_S,
  };
}

/** Packets in a capture, or undefined when there is none. */
function pcapCount(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const out = execFileSync('tcpdump', ['-r', file, '-n', '-q'], { stdio: ['ignore', 'pipe', 'ignore'] });
    return out.toString().split('\n').filter(Boolean).length;
  } catch {
    return undefined;
  }
}

async function one(run: string): Promise<string> {
  let r;
  try {
    r = await bootScenarios(`sf-${run}`.slice(0, 20), [[run, options(run)]], {
      mem: N > 1000 ? '1536M' : '1024M',
      timeoutMs: 3_000_000,
    });
  } catch (e) {
    return `${run.padEnd(17)} FAILED: ${(e as Error).message.split('\n')[0]}`;
  }
  try {
    const raw = join(repoRoot(), 'bench/results/raw', `sync-failover-${run}-n${N}`);
    mkdirSync(raw, { recursive: true });
    for (const f of ['results.txt', 'timeline.txt', 'client.json', 'lb1.log', 'lb2.log'])
      if (existsSync(join(r.outDir, run, f))) cpSync(join(r.outDir, run, f), join(raw, f));
    const { res, failover, failback, quiet } = scenarioResults(r, run);
    const pps = (f: string) => {
      const n = pcapCount(join(r!.outDir, run, f));
      return n === undefined ? '-' : (n / CAPTURE_S).toFixed(1);
    };
    const p = (xs: number[]) => `${median(xs)}/${xs[0] ?? 0}`;
    return [
      run.padEnd(17),
      `${failover.survivors}/${failover.total}`.padStart(9),
      p(failover.pausesMs).padStart(11),
      `${failback.survivors}/${failback.total}`.padStart(9),
      p(failback.pausesMs).padStart(11),
      p(quiet).padStart(11),
      pps('sync-steady.pcap').padStart(9),
      `  synced on lb2 before the crash ${res.before_crash_lb2_synced}, on lb1 at failback ${res.after_failback_lb1_synced}; lb1 back after ${res.lb1_back_ms} ms`,
    ].join(' ');
  } catch (e) {
    return `${run.padEnd(17)} FAILED reading results: ${(e as Error).message}`;
  } finally {
    r.cleanup();
  }
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `sync failover, N=${N} connections, a message every ${INTERVAL} ms, adverts every ${ADVERT} ms ` +
    `(lb2's Master_Down_Interval ${masterDownMs(100, ADVERT / 10)} ms); host load average ${load} (2 cores, shared)`,
);
console.log('run                failover  pause med/max  failback  pause med/max  quiet med/max  sync pps');
for (const run of RUNS) console.log(await one(run));
