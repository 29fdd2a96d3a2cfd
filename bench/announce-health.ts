/**
 * Announcement timing and churn with real lvsd processes (memory dataplane, real TCP checks) and
 * real BIRD speakers in host namespaces. Root; `npm run build` first.
 *   node dist/bench/announce-health.js [trials=20] [flapSeconds=60]
 * 1. Health loss → route gone at the router (HTTP checks): lvsd's only backend is killed; time until the router's
 *    kernel table has no route to the VIP, `trials` times. Anchor: the detection bound
 *    fall × interval + timeout (lvsd cannot know sooner), printed as the ratio median / bound.
 * 2. Churn: 1,000 virtual servers on one VIP, each with two backends; one backend (shared by all,
 *    one probe) flaps every second for `flapSeconds`. Counted: VIP withdrawals and announcements
 *    (lvsd's log) and route changes seen at the router. Three policies: quorum 1 (losing one backend
 *    keeps quorum), and quorum 2 (it does not) with hold_down 0 and 5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns, bridge } from '../test/support/netns.js';
import {
  pathsTo,
  routeWatcher,
  startBirdDirector,
  startBirdRouter,
  waitUntil,
  type Speaker,
} from '../test/support/speakers.js';

const VIP = '192.0.2.90';
const CHECK = { interval: 500, timeout: 300, fall: 2 };

interface Lab {
  bird(): string;
  dir: Netns;
  watch: ReturnType<typeof routeWatcher>;
  close(): void;
  tmp: string;
}

async function lab(tag: string): Promise<Lab> {
  const [hub, dir, router] = ['hub', 'dir', 'rtr'].map((t) => new Netns(`${tag}${t}`));
  bridge(hub, [
    { ns: dir, addr: '10.80.0.2/24' },
    { ns: router, addr: '10.80.0.1/24' },
  ]);
  const speakers: Speaker[] = [
    startBirdRouter(router, { routerId: '10.80.0.1', as: 65000, neighbors: [{ address: '10.80.0.2', as: 65001 }] }),
    startBirdDirector(dir, {
      routerId: '10.80.0.2',
      as: 65001,
      table: 120,
      neighbors: [{ address: '10.80.0.1', as: 65000 }],
    }),
  ];
  const watch = routeWatcher(router);
  const tmp = mkdtempSync(join(tmpdir(), 'lvsd-bench-announce-'));
  return {
    bird: () =>
      (speakers[0] as ReturnType<typeof startBirdRouter>).birdc('show protocols') + speakers[1]!.log().slice(-1500),
    dir,
    watch,
    tmp,
    close() {
      watch.close();
      for (const s of speakers) s.stop();
      for (const ns of [hub, dir, router]) ns.cleanup();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

function config(tmp: string, services: number, quorum: number, holdDown: string): string {
  const vs = Array.from({ length: services }, (_, i) => {
    const rs = [8081, 8082].slice(0, services === 1 ? 1 : 2);
    return `[[virtual_server]]\nname = "s${i}"\naddress = "${VIP}"\nport = ${1000 + i}\nquorum = ${quorum}\n  [virtual_server.check]\n  type = "http"\n  path = "/"\n  interval = "${CHECK.interval}ms"\n  timeout = "${CHECK.timeout}ms"\n  rise = 1\n  fall = ${CHECK.fall}\n${rs.map((p) => `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = ${p}\n`).join('')}`;
  });
  return `[global]\ncontrol_socket = "${tmp}/lvsd.sock"\nstate_file = "${tmp}/state.json"\n[announce]\ntable = 120\nvips = ["${VIP}"]\nhold_down = "${holdDown}"\n${vs.join('\n')}`;
}

function backend(ns: Netns, port: number): ChildProcess {
  return ns.spawn('node', ['-e', `require('http').createServer((q,r)=>r.end('ok')).listen(${port},'127.0.0.1')`]);
}

function lvsd(l: Lab, text: string): { proc: ChildProcess; log: string[] } {
  writeFileSync(join(l.tmp, 'lvsd.toml'), text);
  const proc = spawn(
    'ip',
    [
      'netns',
      'exec',
      l.dir.name,
      process.execPath,
      'bin/lvsd',
      '-f',
      join(l.tmp, 'lvsd.toml'),
      '--dataplane',
      'memory',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const log: string[] = [];
  proc
    .stdout!.setEncoding('utf8')
    .on('data', (c: string) => log.push(...c.split('\n').filter((x) => x.includes('"vip '))));
  return { proc, log };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function healthLoss(trials: number): Promise<number[]> {
  const l = await lab('bah');
  const d = lvsd(l, config(l.tmp, 1, 1, '1s'));
  const has = async () => pathsTo(await l.watch.routes(), VIP).length > 0;
  const out: number[] = [];
  try {
    for (let t = 0; t < trials; t++) {
      const b = backend(l.dir, 8081);
      await waitUntil(has, 'route at the router', 60_000, 20).catch((e: Error) => {
        throw new Error(
          `trial ${t}: ${e.message}\n${d.log.join('\n')}\ndirector table: ${l.dir.ip('route', 'show', 'table', '120')}\n${l.bird()}`,
        );
      });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      b.kill('SIGKILL');
      await waitUntil(async () => !(await has()), 'route gone', 30_000, 5);
      out.push(performance.now() - t0);
    }
  } finally {
    d.proc.kill('SIGKILL');
    l.close();
  }
  return out;
}

async function churn(
  flapSeconds: number,
  quorum: number,
  holdDown: string,
): Promise<{ log: string[]; changes: number }> {
  const l = await lab('bac');
  const stable = backend(l.dir, 8082);
  let flapper = backend(l.dir, 8081);
  const d = lvsd(l, config(l.tmp, 1000, quorum, holdDown));
  const has = async () => pathsTo(await l.watch.routes(), VIP).length > 0;
  try {
    await waitUntil(has, 'route at the router', 120_000, 50);
    d.log.length = 0;
    let changes = 0;
    let last = true;
    const end = performance.now() + flapSeconds * 1000;
    let nextFlip = performance.now() + 1000;
    while (performance.now() < end) {
      if (performance.now() >= nextFlip) {
        if (flapper.exitCode === null && flapper.signalCode === null) flapper.kill('SIGKILL');
        else flapper = backend(l.dir, 8081);
        nextFlip += 1000;
      }
      const now = await has();
      if (now !== last) changes++;
      last = now;
      await new Promise((r) => setTimeout(r, 20));
    }
    return { log: [...d.log], changes };
  } finally {
    d.proc.kill('SIGKILL');
    flapper.kill('SIGKILL');
    stable.kill('SIGKILL');
    l.close();
  }
}

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 20);
  const flapSeconds = Number(process.argv[3] ?? 60);
  const bound = CHECK.fall * CHECK.interval + CHECK.timeout;
  const xs = await healthLoss(trials);
  console.log(
    '| health loss → route gone at the router | median (ms) | range (ms) | n | bound fall×interval+timeout (ms) | median / bound |',
  );
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| lvsd + BIRD, HTTP check ${CHECK.interval} ms, fall ${CHECK.fall} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} | ${xs.length} | ${bound} | ${(median(xs) / bound).toFixed(3)} |`,
  );
  console.log(
    `\n| churn: 1,000 services, one shared backend flapping every 1 s for ${flapSeconds} s | withdrawals | announcements | route changes at the router |`,
  );
  console.log('|---|---|---|---|');
  for (const [quorum, hold] of [
    [1, '5s'],
    [2, '0s'],
    [2, '5s'],
  ] as const) {
    const r = await churn(flapSeconds, quorum, hold);
    const w = r.log.filter((x) => x.includes('"vip withdrawn"')).length;
    const a = r.log.filter((x) => x.includes('"vip announced"')).length;
    console.log(`| quorum ${quorum}, hold_down ${hold} | ${w} | ${a} | ${r.changes} |`);
  }
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
