/**
 * The daemon core over the memory dataplane (only health is faked, time is a ManualClock): reload
 * paths counted in dataplane writes, drains across restarts, adoption, shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/util/clock.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { Overrides } from '../../../src/daemon/overrides.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { loadConfigFile } from '../../../src/config/load.js';
import { FakeHealth, memoryLogger } from './fakes.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function text(
  o: { weight?: number; scheduler?: string; third?: boolean; extra?: string; global?: string } = {},
): string {
  const rs = (a: string, w = 10) =>
    `  [[virtual_server.real_server]]\n  address = "${a}"\n  port = 8080\n  weight = ${w}\n`;
  return `[global]\ncontrol_socket = "/tmp/x.sock"\nstate_file = "/tmp/x.json"\n${o.global ?? ''}
[[virtual_server]]\nname = "web"\naddress = "10.0.0.1"\nport = 80\nscheduler = "${o.scheduler ?? 'wrr'}"
${rs('10.1.0.1', o.weight ?? 10)}${rs('10.1.0.2')}${o.third === false ? '' : rs('10.1.0.3')}
[[virtual_server]]\nname = "dns"\naddress = "10.0.0.1"\nport = 53\nprotocol = "udp"\n${rs('10.1.0.1')}
${o.extra ?? ''}`;
}

async function setup(t = text(), initial?: MemoryDataplane, stateFile?: string, wallClock?: () => number) {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-wired-'));
  dirs.push(dir);
  const file = join(dir, 'lvsd.toml');
  writeFileSync(file, t);
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const dp = initial ?? new MemoryDataplane();
  const clock = new ManualClock();
  const { log, lines } = memoryLogger();
  const d = new Daemon({
    configPath: file,
    config: loaded.config,
    dataplane: dp,
    dataplaneKind: 'memory',
    health: new FakeHealth(),
    overrides: loadedOverrides(stateFile),
    clock,
    log,
    wallClock,
  });
  const write = (t2: string) => writeFileSync(file, t2);
  return { d, dp, write, lines, clock };
}

function loadedOverrides(file?: string): Overrides {
  const o = new Overrides(file);
  o.load();
  return o;
}

describe('daemon + real planner/reconciler/memory dataplane', () => {
  it('a server removed by reload keeps draining across a restart (state file), then goes once idle', async () => {
    const sdir = mkdtempSync(join(tmpdir(), 'lvsd-wired-state-'));
    dirs.push(sdir);
    const stateFile = join(sdir, 'state.json');
    const svc = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
    const a = await setup(text(), undefined, stateFile);
    await a.d.start();
    a.dp.setConns(svc, { address: '10.1.0.3', port: 8080 }, { active: 5 });
    a.write(text({ third: false }));
    await a.d.reload();
    await a.d.requestPass();
    await a.d.stop(); // crash-like: the kernel keeps its table; a new process starts with the new config only
    const kept = new MemoryDataplane(await a.dp.read());
    kept.setConns(svc, { address: '10.1.0.3', port: 8080 }, { active: 5 });
    const b = await setup(text({ third: false }), kept, stateFile);
    await b.d.start();
    await b.d.requestPass();
    const web = (await b.dp.read()).services.find((s) => s.id.port === 80)!;
    expect(web.destinations.find((x) => x.address === '10.1.0.3')?.weight).toBe(0);
    b.dp.setConns(svc, { address: '10.1.0.3', port: 8080 }, { active: 0 });
    await b.d.requestPass();
    await b.d.requestPass();
    expect((await b.dp.read()).services.find((s) => s.id.port === 80)!.destinations.map((x) => x.address)).toEqual([
      '10.1.0.1',
      '10.1.0.2',
    ]);
  });

  it('a restart does not extend drain_timeout: the restored drain keeps the deadline it began with', async () => {
    const sdir = mkdtempSync(join(tmpdir(), 'lvsd-wired-state-'));
    dirs.push(sdir);
    const stateFile = join(sdir, 'state.json');
    const svc = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
    const rs3 = { address: '10.1.0.3', port: 8080 };
    const global = 'drain_timeout = "10s"';
    let wall = 1_800_000_000_000;
    let clockNow = () => 0; // each process's wall clock is wall + its own clock (both at 0 when it starts)
    const a = await setup(text({ global }), undefined, stateFile, () => wall + clockNow());
    clockNow = () => a.clock.now();
    await a.d.start();
    a.clock.advance(1000); // the drain begins 1 s into process A's clock
    a.dp.setConns(svc, rs3, { active: 5 });
    a.write(text({ global, third: false }));
    await a.d.reload();
    a.clock.advance(4000);
    await a.d.requestPass();
    await a.d.stop();
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).removedDrains[0].startedAt).toBe(wall + 1000);
    // process B starts 3 s of wall time after A stopped, with a new clock at 0: 7 s of the 10 s are gone
    wall += 5000 + 3000;
    const kept = new MemoryDataplane(await a.dp.read());
    kept.setConns(svc, rs3, { active: 5 });
    clockNow = () => 0;
    const b = await setup(text({ global, third: false }), kept, stateFile, () => wall + clockNow());
    clockNow = () => b.clock.now();
    await b.d.start();
    const dests = async () =>
      (await b.dp.read()).services.find((x) => x.id.port === 80)!.destinations.map((x) => `${x.address}/${x.weight}`);
    expect(await dests()).toEqual(['10.1.0.1/10', '10.1.0.2/10', '10.1.0.3/0']); // still draining
    b.clock.advance(2500);
    await b.d.requestPass();
    expect(await dests()).toContain('10.1.0.3/0'); // 9.5 s
    b.clock.advance(1000);
    await b.d.requestPass();
    expect(await dests()).toEqual(['10.1.0.1/10', '10.1.0.2/10']); // 10.5 s: deleted with 5 connections left (before, B would have kept it until 10 s of its own clock)
  });

  it('startup writes the whole table once; an unchanged reload writes nothing', async () => {
    const { d, dp } = await setup();
    await d.start();
    expect(dp.writes).toBe(2 + 4);
    await d.reload();
    expect(dp.writes).toBe(6);
  });

  it('one weight changed → exactly 1 write (edit-dest); a scheduler change → 1 edit-service, no delete/re-add', async () => {
    const { d, dp, write } = await setup();
    await d.start();
    write(text({ weight: 11 }));
    expect(await d.reload()).toMatchObject({
      ok: true,
      summary: '+0 services -0 services ~0 services, +0 dests -0 dests ~1 dests',
    });
    expect(dp.writes).toBe(7);
    expect((await dp.read()).services[0].destinations.find((x) => x.address === '10.1.0.1')?.weight).toBe(11);
    write(text({ weight: 11, scheduler: 'lc' }));
    await d.reload();
    expect(dp.writes).toBe(8);
    expect((await dp.read()).services.find((s) => s.id.port === 80)?.scheduler).toBe('lc');
  });

  it('a removed real server drains (weight 0, kept) by default, and is deleted with removal = "delete"', async () => {
    const a = await setup();
    await a.d.start();
    a.dp.setConns(
      { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { address: '10.1.0.3', port: 8080 },
      { active: 2 },
    );
    a.write(text({ third: false }));
    await a.d.reload();
    const web = (await a.dp.read()).services.find((s) => s.id.port === 80)!;
    expect(web.destinations.find((x) => x.address === '10.1.0.3')?.weight).toBe(0);
    a.dp.setConns(
      { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { address: '10.1.0.3', port: 8080 },
      { active: 0 },
    );
    await a.d.requestPass();
    await a.d.requestPass();
    expect((await a.dp.read()).services.find((s) => s.id.port === 80)!.destinations.map((x) => x.address)).toEqual([
      '10.1.0.1',
      '10.1.0.2',
    ]);

    const b = await setup(text({ global: 'removal = "delete"' }));
    await b.d.start();
    b.write(text({ third: false, global: 'removal = "delete"' }));
    await b.d.reload();
    const web2 = (await b.dp.read()).services.find((s) => s.id.port === 80)!;
    expect(web2.destinations.map((x) => x.address)).toEqual(['10.1.0.1', '10.1.0.2']);
  });

  it('an invalid file on reload: no write, old config running, problems with key paths', async () => {
    const { d, dp, write, lines } = await setup();
    await d.start();
    write(text().replace('port = 53', 'port = "53a"'));
    const r = await d.reload();
    expect(r.ok).toBe(false);
    expect(dp.writes).toBe(6);
    expect(
      lines.some((l) => l.msg === 'reload rejected' && String(l.path).startsWith('virtual_server[1] (dns).port')),
    ).toBe(true);
  });

  it('startup adopts existing entries (no flush, no rewrite) and never touches an unowned service', async () => {
    const pre = new MemoryDataplane({
      services: [
        {
          id: { af: 'inet', protocol: 'tcp', address: '10.9.9.9', port: 80 },
          scheduler: 'rr',
          flags: 0,
          timeout: 0,
          netmask: 0xffffffff,
          destinations: [],
        },
        {
          id: { af: 'inet', protocol: 'udp', address: '10.0.0.1', port: 53 },
          scheduler: 'wlc',
          flags: 0,
          timeout: 0,
          netmask: 0xffffffff,
          destinations: [
            {
              af: 'inet',
              address: '10.1.0.1',
              port: 8080,
              forwarding: 'nat',
              weight: 10,
              upperThreshold: 0,
              lowerThreshold: 0,
            },
          ],
        },
      ],
    });
    const { d, dp } = await setup(text(), pre);
    await d.start();
    expect(dp.writes).toBe(1 + 3); // add web + its 3 dests; dns adopted as is
    expect((await dp.read()).services.map((s) => `${s.id.protocol} ${s.id.address}:${s.id.port}`).sort()).toEqual([
      'tcp 10.0.0.1:80',
      'tcp 10.9.9.9:80',
      'udp 10.0.0.1:53',
    ]);
  });

  it('on_shutdown = "remove" deletes owned services only; "keep" writes nothing', async () => {
    const pre = () =>
      new MemoryDataplane({
        services: [
          {
            id: { af: 'inet', protocol: 'tcp', address: '10.9.9.9', port: 80 },
            scheduler: 'rr',
            flags: 0,
            timeout: 0,
            netmask: 0xffffffff,
            destinations: [],
          },
        ],
      });
    const rm = await setup(text({ global: 'on_shutdown = "remove"' }), pre());
    await rm.d.start();
    await rm.d.stop();
    expect((await rm.dp.read()).services.map((s) => s.id.address)).toEqual(['10.9.9.9']);
    const keep = await setup(text(), pre());
    await keep.d.start();
    const w = keep.dp.writes;
    await keep.d.stop();
    expect(keep.dp.writes).toBe(w);
    expect((await keep.dp.read()).services).toHaveLength(3);
  });

  it('status shows configured, desired and kernel weight after a drain (read fresh, not the pre-write read)', async () => {
    const { d } = await setup();
    await d.start();
    const s = await d.status();
    const rs = s.virtualServers[0].realServers[0];
    expect(rs).toMatchObject({
      rs: '10.1.0.1:8080',
      configuredWeight: 10,
      desiredWeight: 10,
      kernelWeight: 10,
      health: 'unchecked',
    });
    await d.setState('web', '10.1.0.2:8080', 'drain');
    const after = (await d.status()).virtualServers[0].realServers[1];
    expect(after.drained).toBe(true);
    expect(after.why).toMatch(/drain/);
  });
});
