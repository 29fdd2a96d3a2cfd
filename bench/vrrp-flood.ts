/**
 * Advert flood against a busy lvsd (root; `npm run build` first):
 *   node dist/bench/vrrp-flood.js [rate=10000] [seconds=30] [targets=10000]
 * lb1 runs one lvsd-like process (bench/vrrp-load-node.ts): the VRRP service as master (v3, 1 s,
 * priority 150, in its worker thread) and the health engine doing `targets` TCP checks per second
 * against nginx in its namespace. lb2 runs the standalone lvsd VRRP process as the backup (priority 100).
 * After a warm-up, a baseline window without traffic from the attacker, then a window in which the
 * client namespace floods forged adverts at `rate` packets/s (bench/vrrp-flood-sender.ts). Printed
 * side by side for both windows: lb1's CPU (whole process), checks/s, the engine's scheduler lag
 * (every round) and the main thread's event-loop delay, p99 and max, adverts lb1 sent (and the
 * longest gap between them on the wire, seen by tcpdump filtering on lb1's MAC),
 * drops counted by the backup, and state changes on either router. Goal: engine on schedule,
 * lag p99 ≤ 20 ms, 0 state changes.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Lab, lvsdInstance, sniff, until } from './vrrp-lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** lb1's figures over one window (bench/vrrp-load-node.ts measureWindows). */
type Win = {
  seconds: number;
  cpuCores: number;
  systemCores: number;
  checksPerSec: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  engineLagP99Ms: number;
  engineLagMaxMs: number;
  advertsSent: number;
  rejected: number;
};

async function main(): Promise<void> {
  const [rate = 10_000, secs = 30, targets = 10_000] = process.argv.slice(2).map(Number);
  const lab = new Lab('vfl');
  const vip = `${lab.net}.50`;
  const inst = { vrid: 71, version: 3 as const, intervalMs: 1000, vips: [`${vip}/24`] };
  const [r0, r1] = [lab.routers[0]!, lab.routers[1]!];
  try {
    const nginxConf = join(lab.dir, 'nginx.conf');
    writeFileSync(
      nginxConf,
      `daemon off; worker_processes 1; pid ${lab.dir}/nginx.pid; error_log stderr;\nevents { worker_connections 4096; }\nhttp { access_log off; server { listen 8080 backlog=4096; return 200; } }\n`,
    );
    r0.ns.spawn('nginx', ['-c', nginxConf, '-p', lab.dir]);
    r0.ns.exec('sysctl', ['-qw', 'net.core.somaxconn=4096']);
    const vrrpFile = join(lab.dir, 'flood-vrrp.json');
    writeFileSync(vrrpFile, JSON.stringify({ vrrp_instance: [lvsdInstance({ ...inst, priority: 150 })] }));
    const windows: Win[] = [];
    const transitions0: string[] = [];
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
        String(3 * secs + 600),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let k = buf.indexOf('\n'); k >= 0; k = buf.indexOf('\n')) {
        const o = JSON.parse(buf.slice(0, k)) as Record<string, unknown>;
        buf = buf.slice(k + 1);
        if (o.ev === 'window') windows.push(o as unknown as Win);
        if (o.ev === 'transition') transitions0.push(`${String(o.from)}->${String(o.to)}`);
      }
    });
    await until(() => lab.holders(vip).join() === '0', 60_000, 'lb1 master');
    lab.startLvsd(1, { ...inst, priority: 100 });
    await until(() => r1.events.some((e) => e.to === 'BACKUP'), 15_000, 'lb2 backup');
    await sleep(20_000); // the start of 10,000 probes stalls the main thread: let it settle
    const wire = sniff(lab, `vrrp and ether src ${r0.mac}`); // lb1's own adverts only, not the flood
    const lb2Changes = () => r1.events.filter((e) => e.ev === 'transition').length;
    const window = async (flood: boolean) => {
      const t0 = [transitions0.length, lb2Changes()];
      const rej0 = ((await lab.status(1)).rejected ?? {}) as Record<string, number>;
      p.stdin.write('mark\n');
      const from = Date.now() / 1000;
      let sender: Record<string, number> | undefined;
      if (flood) {
        const args = [String(rate), String(secs), String(inst.vrid), vip, r0.addr, `${lab.net}.100`];
        const s = lab.client.spawn(process.execPath, [resolve('dist/bench/vrrp-flood-sender.js'), ...args]);
        let out = '';
        s.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        await new Promise((r) => s.once('exit', r));
        sender = JSON.parse(out.trim() || '{}') as Record<string, number>;
      } else await sleep(secs * 1000);
      const n = windows.length;
      p.stdin.write('report\n');
      await until(() => windows.length > n, 30_000, 'the window report');
      const rej1 = ((await lab.status(1)).rejected ?? {}) as Record<string, number>;
      const drops = Object.entries(rej1)
        .map(([k, v]) => [k, v - (rej0[k] ?? 0)] as const)
        .filter(([, v]) => v > 0);
      const changes = transitions0.length - t0[0]! + lb2Changes() - t0[1]!;
      const ts = wire.frames.filter((f) => f.ts >= from && f.ts <= Date.now() / 1000).map((f) => f.ts);
      const maxGapMs = Math.max(0, ...ts.slice(1).map((t, i) => (t - ts[i]!) * 1000));
      return { ...windows[n]!, drops: Object.fromEntries(drops), changes, sender, onWire: ts.length, maxGapMs };
    };
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    const base = await window(false);
    const flood = await window(true);
    const row = (name: string, f: (w: typeof base) => string) => console.log(`| ${name} | ${f(base)} | ${f(flood)} |`);
    console.log(
      `\nvrrp-flood: ${targets} TCP checks/s, flood ${rate} packets/s for ${secs} s; load average before: ${load}`,
    );
    console.log('| figure | baseline (no flood) | flood |\n|---|---|---|');
    row('attacker: packets sent / send errors / seconds', (w) =>
      w.sender ? `${w.sender.sent} / ${w.sender.errors} / ${Number(w.sender.seconds).toFixed(1)}` : '-',
    );
    row('window (s)', (w) => w.seconds.toFixed(1));
    row(
      'lb1 CPU, whole process: cores (of which system)',
      (w) => `${w.cpuCores.toFixed(3)} (${w.systemCores.toFixed(3)})`,
    );
    row('checks/s', (w) => w.checksPerSec.toFixed(0));
    row(
      'engine scheduler lag p99 / max (ms), every round',
      (w) => `${w.engineLagP99Ms.toFixed(2)} / ${w.engineLagMaxMs.toFixed(1)}`,
    );
    row(
      'main-thread event-loop delay p99 / max (ms)',
      (w) => `${w.loopDelayP99Ms.toFixed(2)} / ${w.loopDelayMaxMs.toFixed(1)}`,
    );
    row(
      'adverts lb1 sent (counted) / seen on the wire / longest gap between them (ms)',
      (w) => `${w.advertsSent} / ${w.onWire} / ${w.maxGapMs.toFixed(0)}`,
    );
    row('packets lb1 dropped (counted)', (w) => String(w.rejected));
    row('drops counted by the backup lb2', (w) => JSON.stringify(w.drops));
    row('state changes (lb1 + lb2)', (w) => String(w.changes));
    console.log(`CPU ratio flood / baseline: ${(flood.cpuCores / base.cpuCores).toFixed(3)}`);
    wire.stop();
    p.stdin.write('stop\n');
    await new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)));
  } finally {
    lab.close();
  }
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
