/**
 * lvsd announcing a VIP through a real speaker, with real HTTP checks (host tier, no IPVS needed:
 * the memory dataplane). A director namespace runs lvsd, two HTTP backends on 127.0.0.1 and BIRD
 * (or FRR); a router namespace runs BIRD. Checked at the router's kernel table:
 * - backends killed → the route is gone within fall × interval + timeout + 1 s; restored → it returns;
 * - lvsctl maintenance on → gone; off → back after the hold-down; status and /metrics say so;
 * - SIGTERM → the route is withdrawn before lvsd exits (log order, and the table is empty at exit);
 * - (BIRD) the director's link dies → BFD removes the path within 0.5 s.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_BFD } from '../../../src/lab/speakers.js';
import { Netns, bridge } from '../../support/netns.js';
import { hasRoot } from '../../support/root.js';
import {
  pathsTo,
  routeWatcher,
  startBirdDirector,
  startBirdRouter,
  startFrrDirector,
  waitUntil,
  type Speaker,
} from '../../support/speakers.js';
import { LvsdProcess, Scratch, lvsctl, requireBuild } from '../daemon-support.js';

const VIP = '192.0.2.80';
const TABLE = 150;
const CHECK = { interval: 500, timeout: 300, fall: 2 };
const BOUND_MS = CHECK.fall * CHECK.interval + CHECK.timeout + 1000;

function config(s: Scratch, metricsPort: number): string {
  const rs = [8081, 8082]
    .map((p) => `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = ${p}\n`)
    .join('');
  return `[global]
control_socket = "${s.path('lvsd.sock')}"
state_file = "${s.path('state.json')}"
metrics_listen = "127.0.0.1:${metricsPort}"

[announce]
table = ${TABLE}
vips = ["${VIP}"]
hold_down = "1s"

[[virtual_server]]
name = "web"
address = "${VIP}"
port = 80
quorum = 1
  [virtual_server.check]
  type = "http"
  path = "/"
  interval = "${CHECK.interval}ms"
  timeout = "${CHECK.timeout}ms"
  rise = 1
  fall = ${CHECK.fall}
${rs}`;
}

for (const kind of ['bird', 'frr'] as const)
  describe.skipIf(!hasRoot(`host: lvsd announcing through ${kind}`))(`lvsd announces through ${kind}`, () => {
    const s = new Scratch();
    let hub: Netns, dir: Netns, router: Netns;
    let lvsd: LvsdProcess;
    let watch: ReturnType<typeof routeWatcher>;
    let routerBird: ReturnType<typeof startBirdRouter>;
    const speakers: Speaker[] = [];
    const backends: ChildProcess[] = [];
    const ctl = (...a: string[]) => lvsctl(['-s', s.path('lvsd.sock'), ...a]);
    const paths = async () => pathsTo(await watch.routes(), VIP);
    const hasRoute = async () => (await paths()).length > 0;
    const startBackends = () => {
      for (const port of [8081, 8082])
        backends.push(
          dir.spawn('node', ['-e', `require('http').createServer((q,r)=>r.end('ok')).listen(${port},'127.0.0.1')`]),
        );
    };
    const killBackends = () => backends.splice(0).forEach((p) => p.kill('SIGKILL'));

    beforeAll(async () => {
      requireBuild();
      [hub, dir, router] = ['hub', 'dir', 'rtr'].map((t) => new Netns(`an${kind}${t}`));
      bridge(hub, [
        { ns: dir, addr: '10.79.0.2/24' },
        { ns: router, addr: '10.79.0.1/24' },
      ]);
      routerBird = startBirdRouter(router, {
        routerId: '10.79.0.1',
        as: 65000,
        neighbors: [{ address: '10.79.0.2', as: 65001 }],
        bfd: FAST_BFD,
      });
      speakers.push(routerBird);
      const d = {
        routerId: '10.79.0.2',
        as: 65001,
        table: TABLE,
        neighbors: [{ address: '10.79.0.1', as: 65000 }],
        bfd: FAST_BFD,
      };
      speakers.push(kind === 'bird' ? startBirdDirector(dir, d) : startFrrDirector(dir, d));
      watch = routeWatcher(router);
      startBackends();
      lvsd = new LvsdProcess(s, ['-f', s.write('lvsd.toml', config(s, 9477)), '--dataplane', 'memory'], {
        netns: dir.name,
      });
      await waitUntil(() => /Established/.test(routerBird.birdc('show protocols')), 'BGP established', 60_000, 200);
    });
    afterAll(() => {
      watch?.close();
      killBackends();
      for (const sp of speakers) sp.stop();
      s.cleanup();
      for (const ns of [hub, dir, router]) ns?.cleanup();
    });

    it('announces while healthy; backends killed → withdrawn within fall x interval + timeout + 1 s; restored → back', async () => {
      await waitUntil(hasRoute, 'the VIP at the router', 30_000);
      const t0 = performance.now();
      killBackends();
      await waitUntil(async () => !(await hasRoute()), 'the route withdrawn', 15_000);
      expect(performance.now() - t0).toBeLessThan(BOUND_MS);
      const line = await lvsd.logged('vip withdrawn', (l) => l.msg === 'vip withdrawn');
      expect(line).toMatchObject({ vip: VIP, from: 'announced', to: 'withdrawn' });
      expect(String(line.reason)).toMatch(
        /^health: 0 of 1 virtual servers at quorum \(policy all\); below quorum: web$/,
      );
      const st = JSON.parse(ctl('status', '--json').stdout);
      expect(st.announce.vips[0]).toMatchObject({ vip: VIP, announced: false });
      startBackends();
      await waitUntil(hasRoute, 'the route back', 30_000);
    });

    it('lvsctl maintenance on withdraws, off announces again; status and /metrics show it', async () => {
      await waitUntil(hasRoute, 'the VIP at the router', 30_000);
      expect(ctl('maintenance', 'on')).toMatchObject({ code: 0, stdout: 'maintenance on: every VIP withdrawn\n' });
      await waitUntil(async () => !(await hasRoute()), 'withdrawn by maintenance', 10_000);
      expect(ctl('status').stdout).toMatch(
        /DIRECTOR IN MAINTENANCE[\s\S]*192\.0\.2\.80\s+WITHDRAWN .*director in maintenance/,
      );
      const m = dir.exec('curl', ['-s', 'http://127.0.0.1:9477/metrics']);
      expect(m).toMatch(/^lvsd_announce_announced\{vip="192\.0\.2\.80"\} 0$/m);
      expect(m).toMatch(/^lvsd_announce_withdrawals_total\{vip="192\.0\.2\.80"\} 2$/m);
      expect(ctl('maintenance', 'off').code).toBe(0);
      await waitUntil(hasRoute, 'announced after maintenance', 30_000);
      expect(ctl('maintenance', 'sideways')).toMatchObject({ code: 2 });
    });

    if (kind === 'bird')
      it("the director's link dies → BFD removes the path at the router within 0.5 s", async () => {
        await waitUntil(hasRoute, 'the VIP at the router', 30_000);
        await waitUntil(
          () => /10\.79\.0\.2\s+\S+\s+Up/.test(routerBird.birdc('show bfd sessions')),
          'BFD up',
          10_000,
          100,
        );
        const t0 = performance.now();
        hub.ip('link', 'set', 'p0', 'down');
        try {
          await waitUntil(async () => !(await hasRoute()), 'the path gone', 5000, 5);
          expect(performance.now() - t0).toBeLessThan(500);
        } finally {
          hub.ip('link', 'set', 'p0', 'up');
        }
        await waitUntil(hasRoute, 'the path back', 60_000, 100);
      });

    it('SIGTERM: the route is withdrawn before lvsd exits', async () => {
      await waitUntil(hasRoute, 'the VIP at the router', 30_000);
      lvsd.proc.kill('SIGTERM');
      expect(await lvsd.exited).toBe(0);
      const at = (msg: string) => lvsd.lines.findIndex((l) => l.msg === msg);
      const withdrawn = lvsd.lines.findIndex((l) => l.msg === 'vip withdrawn' && l.reason === 'shutting down');
      expect(withdrawn).toBeGreaterThan(at('SIGTERM: stopping'));
      expect(withdrawn).toBeLessThan(at('lvsd stopped'));
      expect(dir.ip('route', 'show', 'table', String(TABLE))).toBe('');
      await waitUntil(async () => !(await hasRoute()), 'withdrawn at the router', 10_000);
    });
  });
