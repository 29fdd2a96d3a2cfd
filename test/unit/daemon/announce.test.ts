/**
 * The daemon core with [announce]: the real config loader, planner and announcer; health by hand,
 * the memory dataplane, a recording route table, a ManualClock. Announce after the hold-down,
 * withdraw when quorum is lost, on maintenance, and on stop before the probes stop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcements, type RouteSync } from '../../../src/daemon/announcements.js';
import { loadConfigFile } from '../../../src/config/load.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { Overrides } from '../../../src/daemon/overrides.js';
import { ManualClock } from '../../../src/util/clock.js';
import { FakeHealth, GatedDataplane, memoryLogger } from './fakes.js';

const CONFIG = `[global]
resync_interval = "30s"
[announce]
table = 100
vips = ["10.0.0.1"]
hold_down = "2s"
[[virtual_server]]
name = "web"
address = "10.0.0.1"
port = 80
scheduler = "mh"
scheduler_flags = ["mh-port"]
forwarding = "dr"
ecmp = true
  [virtual_server.check]
  type = "tcp"
  [[virtual_server.real_server]]
  address = "10.1.0.2"
  [[virtual_server.real_server]]
  address = "10.1.0.1"
`;

/** The announcement table as a list of synced sets, in order. */
class RecordingRoutes implements RouteSync {
  readonly syncs: string[][] = [];
  async sync(desired: readonly string[]) {
    this.syncs.push([...desired]);
    return { added: [], removed: [], failed: [] };
  }
  get now(): string[] {
    return this.syncs.at(-1) ?? [];
  }
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function setup(sysctl: Record<string, string> = { 'net.ipv4.vs.sloppy_tcp': '1' }) {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-unit-announce-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'lvsd.toml'), CONFIG);
  const loaded = await loadConfigFile(join(dir, 'lvsd.toml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const clock = new ManualClock();
  const { log, lines } = memoryLogger();
  const routes = new RecordingRoutes();
  const health = new FakeHealth();
  const order: string[] = [];
  const stop = health.stop.bind(health);
  health.stop = async () => (order.push('probes stopped'), stop());
  routes.sync = ((orig) => async (d: readonly string[]) => (order.push(`sync ${d.join(',')}`), orig(d)))(
    routes.sync.bind(routes),
  );
  const dp = new GatedDataplane(undefined, { kernelOrder: true });
  const d = new Daemon({
    configPath: join(dir, 'lvsd.toml'),
    config: loaded.config,
    dataplane: dp,
    dataplaneKind: 'memory',
    health,
    overrides: new Overrides(undefined),
    clock,
    log,
    announcements: new Announcements({ open: () => routes, log, wall: (ms) => ms }),
    sysctl: (n) => sysctl[n],
  });
  return { d, clock, routes, health, lines, order, dp };
}

describe('daemon: VIP announcements', () => {
  it('announces after the hold-down, withdraws when quorum is lost, returns after a fresh hold-down', async () => {
    const { d, clock, routes, health, lines } = await setup();
    await d.start();
    expect(routes.now).toEqual([]);
    clock.advance(2000);
    await d.idle();
    expect(routes.now).toEqual(['10.0.0.1']);
    expect(lines.find((l) => l.msg === 'vip announced')).toMatchObject({
      vip: '10.0.0.1',
      from: 'withdrawn',
      to: 'announced',
    });
    health.set('web|10.1.0.1:80', 'down', 'refused');
    await d.idle();
    expect(routes.now).toEqual(['10.0.0.1']); // one server left: quorum 1 still met
    health.set('web|10.1.0.2:80', 'down', 'refused');
    await d.idle();
    expect(routes.now).toEqual([]);
    expect(lines.filter((l) => l.msg === 'vip withdrawn').at(-1)).toMatchObject({
      reason: 'health: 0 of 1 virtual servers at quorum (policy all); below quorum: web',
    });
    health.set('web|10.1.0.2:80', 'up', 'ok');
    await d.idle();
    clock.advance(1999);
    await d.idle();
    expect(routes.now).toEqual([]);
    clock.advance(1);
    await d.idle();
    expect(routes.now).toEqual(['10.0.0.1']);
  });

  it('maintenance withdraws at once and status says why; off announces after the hold-down', async () => {
    const { d, clock, routes } = await setup();
    await d.start();
    clock.advance(2000);
    await d.idle();
    expect(await d.maintenance(true)).toEqual({ changed: true });
    expect(routes.now).toEqual([]);
    const st = await d.status();
    expect(st.announce).toMatchObject({ table: 100, protocol: 201, maintenance: true });
    expect(st.announce!.vips[0]).toMatchObject({
      vip: '10.0.0.1',
      announced: false,
      reason: 'director in maintenance',
    });
    expect(await d.maintenance(true)).toEqual({ changed: false });
    await d.maintenance(false);
    expect(routes.now).toEqual([]);
    clock.advance(2000);
    await d.idle();
    expect(routes.now).toEqual(['10.0.0.1']);
  });

  it('stop withdraws before the probes stop, and nothing announces again', async () => {
    const { d, clock, routes, order } = await setup();
    await d.start();
    clock.advance(2000);
    await d.idle();
    await d.stop();
    expect(order.slice(-2)).toEqual(['sync ', 'probes stopped']);
    expect(routes.now).toEqual([]);
  });

  it('ecmp: sorted destinations, their fingerprint in status and metrics, sloppy_tcp warnings', async () => {
    const { d, dp } = await setup({ 'net.ipv4.vs.sloppy_tcp': '0' });
    await d.start();
    const table = await dp.read();
    // added in sorted order; the kernel (and this dataplane) lists the last added first
    expect(table.services[0]!.destinations.map((x) => x.address)).toEqual(['10.1.0.2', '10.1.0.1']);
    const st = await d.status();
    expect(st.virtualServers[0]!.ecmp!.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(st.virtualServers[0]!.ecmp!.fingerprint).toBe(st.virtualServers[0]!.ecmp!.desired);
    expect(await d.ecmpFingerprints()).toEqual([{ vs: 'web', fingerprint: st.virtualServers[0]!.ecmp!.fingerprint }]);
    expect(st.daemon.warnings).toEqual([
      'net.ipv4.vs.sloppy_tcp is 0: a director that takes over a flow mid-way drops its packets; set it to 1',
    ]);
  });
});
