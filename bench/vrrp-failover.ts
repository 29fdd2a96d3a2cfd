/**
 * Failover timing, lvsd next to keepalived 2.2.7 in the same namespaces (root; needs `npm run build`).
 *   node dist/bench/vrrp-failover.js [trials=10] [intervals=100,1000] [modes=crash,graceful]
 * For each implementation K and advert interval: lb1 (priority 150) and lb2 (priority 100) both run
 * K; lb1 is crashed (kill -9) or stopped (SIGTERM) `trials` times. Measured on the wire by tcpdump in
 * a client namespace: from lb1's last advert (crash) or its priority-0 advert (SIGTERM) to lb2's
 * first gratuitous ARP. Goal: crash = Master_Down_Interval ± 5 ms, graceful = skew ± 5 ms.
 */
import { masterDownMs, skewMs } from '../src/vrrp/machine.js';
import { Lab, sniff, until, type Inst, type Seen } from './vrrp-lab.js';

type Kind = 'lvsd' | 'keepalived';

function start(lab: Lab, i: number, kind: Kind, inst: Inst): void {
  if (kind === 'lvsd') lab.startLvsd(i, inst);
  else lab.startKeepalived(i, inst);
}

/**
 * One measurement from the sniffed frames: lb2's first GARP after the signal at `killAt` (s), back
 * to lb1's last advert (crash) or its priority-0 advert (SIGTERM) in the interval before it.
 */
function measure(
  frames: Seen[],
  killAt: number,
  intervalS: number,
  m0: string,
  m1: string,
  crash: boolean,
): number | undefined {
  const garp = frames.find((f) => f.ts >= killAt - 0.005 && f.kind === 'garp' && f.mac === m1);
  if (!garp) return undefined;
  const before = frames.filter(
    (f) =>
      f.ts >= killAt - intervalS - 0.1 &&
      f.kind === 'vrrp' &&
      f.mac === m0 &&
      f.ts <= garp.ts &&
      (crash ? f.prio! > 0 : f.prio === 0),
  );
  const last = before.at(-1);
  return last ? (garp.ts - last.ts) * 1000 : undefined;
}

async function trials(kind: Kind, intervalMs: number, crash: boolean, n: number): Promise<number[]> {
  const lab = new Lab('vbf');
  const vip = `${lab.net}.50`;
  const inst = (priority: number): Inst => ({
    vrid: 51,
    priority,
    version: intervalMs < 1000 ? 3 : 2,
    intervalMs,
    vips: [`${vip}/24`],
  });
  const s = sniff(lab);
  const out: number[] = [];
  try {
    start(lab, 1, kind, inst(100));
    for (let t = 0; t < n; t++) {
      start(lab, 0, kind, inst(150));
      await until(() => lab.holders(vip).join() === '0', 20_000, 'lb1 master').catch((e: Error) => {
        throw new Error(`${kind} ${intervalMs} ms trial ${t}: ${e.message}\n${lab.dump()}`);
      });
      await new Promise((r) => setTimeout(r, 5 * intervalMs + 300));
      const killAt = Date.now() / 1000;
      lab.signal(0, crash ? 'SIGKILL' : 'SIGTERM');
      await lab.exited(0);
      if (lab.holds(0, vip)) lab.routers[0]!.ns.ip('addr', 'del', `${vip}/24`, 'dev', 'eth0');
      await until(() => lab.holds(1, vip), 20_000, 'lb2 takeover');
      await new Promise((r) => setTimeout(r, 200));
      const ms = measure(s.frames, killAt, intervalMs / 1000, lab.routers[0]!.mac, lab.routers[1]!.mac, crash);
      if (ms !== undefined) out.push(ms);
    }
  } finally {
    s.stop();
    lab.close();
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (x: number) => (x / 1000).toFixed(3);

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10);
  const intervals = (process.argv[3] ?? '100,1000').split(',').map(Number);
  const modes = (process.argv[4] ?? 'crash,graceful').split(',').map((m) => m === 'crash');
  console.log(
    `| case | goal (s) | lvsd median (s) | lvsd range (s) | keepalived median (s) | keepalived range (s) | n |`,
  );
  console.log(`|---|---|---|---|---|---|---|`);
  for (const iv of intervals)
    for (const crash of modes) {
      const goal = crash ? masterDownMs(100, iv / 10) : skewMs(100, iv / 10);
      const r: Record<Kind, number[]> = {
        lvsd: await trials('lvsd', iv, crash, n),
        keepalived: await trials('keepalived', iv, crash, n),
      };
      const cell = (xs: number[]) => `${fmt(median(xs))} | ${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
      console.log(
        `| ${crash ? 'crash (kill -9)' : 'graceful (SIGTERM)'}, ${iv / 1000} s | ${fmt(goal)} | ${cell(r.lvsd)} | ${cell(r.keepalived)} | ${r.lvsd.length}/${r.keepalived.length} |`,
      );
      const worst = Math.max(...r.lvsd.map((x) => Math.abs(x - goal)));
      console.log(`|   lvsd worst deviation from goal: ${worst.toFixed(1)} ms (target ≤ 5 ms) | | | | | | |`);
    }
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
