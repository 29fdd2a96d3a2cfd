/**
 * The daemon core over the real config loader, planner, config diff and reconciler; its I/O is
 * faked (hand-driven health, the memory dataplane, a VRRP recorder) and time is a ManualClock.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/util/clock.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { Overrides } from '../../../src/daemon/overrides.js';
import { ConfigLoader } from '../../../src/config/config-loader.js';
import type { IpvsTable } from '../../../src/ipvs/types.js';
import { CountingMetrics, FakeHealth, FakeVrrp, GatedDataplane, memoryLogger } from './fakes.js';

const WEB = 'TCP 10.0.0.1:80';

interface Opts {
  onShutdown?: 'keep' | 'remove';
  removal?: 'drain' | 'delete';
  /** Virtual servers as [name, "vip:port", { "rs:port": weight }]. */
  vs?: Array<[string, string, Record<string, number>]>;
  vrrp?: boolean;
}

/** The config file: a TCP check on every real server, resync 30 s. */
function text(o: Opts = {}): string {
  const vss = o.vs ?? [['web', '10.0.0.1:80', { '10.1.0.1:80': 100, '10.1.0.2:80': 50 }]];
  const global = `[global]\nresync_interval = "30s"\non_shutdown = "${o.onShutdown ?? 'keep'}"\nremoval = "${o.removal ?? 'drain'}"\n`;
  const vs = vss.map(([name, vip, rs]) => {
    const [address, port] = vip.split(':');
    const servers = Object.entries(rs).map(([hp, w]) => {
      const [a, p] = hp.split(':');
      return `  [[virtual_server.real_server]]\n  address = "${a}"\n  port = ${p}\n  weight = ${w}\n`;
    });
    return `[[virtual_server]]\nname = "${name}"\naddress = "${address}"\nport = ${port}\nscheduler = "wrr"\n  [virtual_server.check]\n  type = "tcp"\n${servers.join('')}`;
  });
  const vrrp = o.vrrp
    ? `[[vrrp_instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 100\nvirtual_ipaddress = ["10.0.0.1/32"]\ntrack_virtual_server = [{ name = "web", weight = -50 }]\n`
    : '';
  return `${global}\n${vs.join('\n')}\n${vrrp}`;
}

const unowned = (): IpvsTable => ({
  services: [
    {
      id: { af: 'inet', protocol: 'udp', address: '10.9.9.9', port: 53 },
      scheduler: 'rr',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
      destinations: [],
    },
  ],
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lvsd-unit-'));
  dirs.push(d);
  return d;
}

async function setup(o: Opts = {}, opts: { stateFile?: string; vrrp?: boolean | 'async'; initial?: IpvsTable } = {}) {
  const file = join(tmp(), 'lvsd.toml');
  const write = (t: string) => writeFileSync(file, t);
  write(text(o));
  const loader = new ConfigLoader(); // as run.ts does: the daemon reloads through what loaded the file
  const loaded = await loader.loadFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const health = new FakeHealth();
  const dp = new GatedDataplane(opts.initial);
  const metrics = new CountingMetrics();
  const clock = new ManualClock();
  const { log, lines } = memoryLogger();
  const vrrps: FakeVrrp[] = [];
  const overrides = new Overrides(opts.stateFile);
  overrides.load();
  const d = new Daemon({
    configPath: file,
    config: loaded.config,
    loader,
    dataplane: dp,
    dataplaneKind: 'memory',
    health,
    overrides,
    clock,
    log,
    metrics,
    vrrp: !opts.vrrp
      ? undefined
      : opts.vrrp === 'async'
        ? async (i) => {
            await new Promise((r) => setTimeout(r, 5));
            vrrps.push(new FakeVrrp(i));
            return vrrps[vrrps.length - 1];
          }
        : async (i) => (vrrps.push(new FakeVrrp(i)), vrrps[vrrps.length - 1]),
  });
  return { d, file, write, health, dp, metrics, clock, lines, vrrps };
}

describe('daemon core: one coalesced reconcile path', () => {
  it('startup sets health targets and applies the planned table in one pass, adopting what exists', async () => {
    const { d, dp, health, metrics } = await setup({}, { initial: unowned() });
    await d.start();
    expect(health.targets.map((t) => t.id)).toEqual(['web|10.1.0.1:80', 'web|10.1.0.2:80']);
    expect(metrics.passes).toBe(1);
    expect(await dp.weight(WEB, '10.1.0.1:80')).toBe(100);
    expect((await dp.read()).services.map((s) => s.id.port)).toEqual([53, 80]);
  });

  it('a health transition leads to a pass that sets weight 0 (logged at debug with vs/rs and reason)', async () => {
    const { d, dp, health, lines } = await setup();
    await d.start();
    health.set('web|10.1.0.2:80', 'down', 'connect ECONNREFUSED');
    await d.idle();
    expect(await dp.weight(WEB, '10.1.0.2:80')).toBe(0);
    expect(
      lines.some((l) => l.msg === 'real server down' && l.reason === 'connect ECONNREFUSED' && l.rs === '10.1.0.2:80'),
    ).toBe(true);
  });

  it('a burst of transitions while a pass runs coalesces into one more pass', async () => {
    const { d, dp, health, metrics } = await setup();
    await d.start();
    let open!: () => void;
    dp.gate = new Promise((r) => (open = r));
    health.set('web|10.1.0.1:80', 'down', 'x');
    await Promise.resolve();
    await Promise.resolve();
    for (let i = 0; i < 10; i++) health.set('web|10.1.0.2:80', i % 2 ? 'up' : 'down', 'flap');
    open();
    dp.gate = undefined;
    await d.idle();
    expect(metrics.passes).toBe(3);
  });

  it('a pass that throws does not kill the daemon: logged, kernel untouched, retried after 1s', async () => {
    const { d, health, metrics, lines, clock } = await setup();
    await d.start();
    // a transition makes the pass plan web again (a pass plans only virtual servers whose health changed),
    // and the status lookup of that planning throws
    health.set('web|10.1.0.2:80', 'down', 'x');
    health.statusError = new Error('planner bug');
    await d.idle();
    expect(metrics.passes).toBe(1);
    expect(lines.some((l) => l.msg === 'pass failed; retrying in 1s' && String(l.err).includes('planner bug'))).toBe(
      true,
    );
    health.statusError = undefined;
    clock.advance(1000);
    await d.idle();
    expect(metrics.passes).toBe(2);
  });

  it('the resync timer runs a pass every resync_interval (drift repair)', async () => {
    const { d, dp, metrics, clock } = await setup();
    await d.start();
    const web = (await dp.read()).services[0];
    await dp.apply([{ op: 'del-dest', service: web.id, dest: web.destinations[1] }]);
    clock.advance(29_999);
    await d.idle();
    expect(metrics.passes).toBe(1);
    clock.advance(1);
    await d.idle();
    expect(metrics.passes).toBe(2);
    expect(await dp.weight(WEB, '10.1.0.2:80')).toBe(50);
  });
});

describe('daemon core: reload', () => {
  it('an invalid config is rejected: old config kept, no reconcile, every problem logged', async () => {
    const { d, metrics, write, lines, health } = await setup();
    await d.start();
    write(text().replace('port = 80\n', 'port = "80a"\n'));
    const r = await d.reload();
    expect(r.ok).toBe(false);
    expect(metrics.passes).toBe(1);
    expect(health.setCalls).toBe(1);
    expect(d.generation).toBe(1);
    expect(d.config.virtual_server[0].name).toBe('web');
    expect(lines.some((l) => l.path === 'virtual_server[0] (web).port' && String(l.problem).includes('80a'))).toBe(
      true,
    );
    expect((await d.status()).daemon.lastReload?.ok).toBe(false);
  });

  it('a valid config: generation+1, summary logged, removed service deleted because previous keys stay owned', async () => {
    const { d, dp, write, lines } = await setup({ removal: 'delete' });
    await d.start();
    write(text({ removal: 'delete', vs: [['dns', '10.0.0.2:53', { '10.2.0.1:53': 1 }]] }));
    const r = await d.reload();
    expect(r).toMatchObject({
      ok: true,
      generation: 2,
      summary: '+1 services -1 services ~0 services, +1 dests -2 dests ~0 dests',
    });
    expect([...d.owned()].sort()).toEqual(['TCP 10.0.0.1:80', 'TCP 10.0.0.2:53']);
    expect((await dp.read()).services.map((s) => s.id.port)).toEqual([53]);
    expect(lines.some((l) => String(l.msg).startsWith('reloaded: +1 services'))).toBe(true);
  });

  it('an unchanged config reload makes no write', async () => {
    const { d, dp, metrics } = await setup();
    await d.start();
    const before = dp.writes;
    await d.reload();
    expect(metrics.passes).toBe(2);
    expect(dp.writes).toBe(before);
  });
});

describe('daemon core: operator overrides', () => {
  it('drain sets weight 0, survives a reload and a restart via the state file; enable undoes it', async () => {
    const stateFile = join(tmp(), 'state.json');
    const a = await setup({}, { stateFile });
    await a.d.start();
    // one open connection: the drain is still in progress at the reload (it ends when they reach 0)
    a.dp.setConns(
      { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { address: '10.1.0.1', port: 80 },
      {
        active: 1,
      },
    );
    expect(await a.d.drain('web', '10.1.0.1:80')).toEqual({ changed: true });
    expect(await a.dp.weight(WEB, '10.1.0.1:80')).toBe(0);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({
      version: 1,
      drained: [{ vs: 'web', rs: '10.1.0.1:80' }],
    });
    await a.d.reload();
    expect(await a.dp.weight(WEB, '10.1.0.1:80')).toBe(0);
    await a.d.stop();

    const b = await setup({}, { stateFile });
    await b.d.start();
    expect(await b.dp.weight(WEB, '10.1.0.1:80')).toBe(0);
    expect((await b.d.status()).virtualServers[0].realServers[0].drained).toBe(true);
    expect(await b.d.enable('web', '10.1.0.1:80')).toEqual({ changed: true });
    expect(await b.dp.weight(WEB, '10.1.0.1:80')).toBe(100);
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).drained).toEqual([]);
  });

  it('unknown names are refused with ENOVS / ENORS naming what exists', async () => {
    const { d } = await setup();
    await d.start();
    await expect(d.drain('nope', '10.1.0.1:80')).rejects.toMatchObject({ code: 'ENOVS' });
    await expect(d.drain('web', '10.1.0.9:80')).rejects.toMatchObject({
      code: 'ENORS',
      message: expect.stringContaining('10.1.0.1:80, 10.1.0.2:80'),
    });
  });
});

describe('daemon core: shutdown', () => {
  it('on_shutdown keep: probes stopped, no pass after stop, table untouched', async () => {
    const { d, dp, health, metrics, clock } = await setup();
    await d.start();
    await d.stop();
    expect(health.stopped).toBe(true);
    clock.advance(120_000);
    await d.idle();
    expect(metrics.passes).toBe(1);
    expect((await dp.read()).services).toHaveLength(1);
  });

  it('on_shutdown remove: owned services deleted, an unowned one kept', async () => {
    const { d, dp } = await setup({ onShutdown: 'remove' }, { initial: unowned() });
    await d.start();
    await d.stop();
    expect((await dp.read()).services.map((s) => s.id.port)).toEqual([53]);
  });
});

describe('daemon core: VRRP and status', () => {
  it('feeds track_virtual_server once per quorum change and stops VRRP on shutdown', async () => {
    const { d, health, vrrps } = await setup({ vrrp: true }, { vrrp: true });
    await d.start();
    health.set('web|10.1.0.1:80', 'down', 'x');
    await d.idle();
    health.set('web|10.1.0.2:80', 'down', 'y');
    await d.idle();
    health.set('web|10.1.0.2:80', 'up', 'z');
    await d.idle();
    await d.stop();
    expect(vrrps[0].calls).toEqual(['start', 'vs web up', 'vs web down', 'vs web up', 'stop']);
  });

  it('builds VRRP once when two reloads add it while its modules are still loading', async () => {
    const { d, write, vrrps } = await setup({}, { vrrp: 'async' });
    await d.start();
    write(text({ vrrp: true }));
    await Promise.all([d.reload(), d.reload()]);
    await d.stop();
    expect(vrrps).toHaveLength(1);
    expect(vrrps[0].calls).toEqual(['start', 'reload', 'vs web up', 'stop']);
  });

  it('status answers "why no traffic": configured/desired/kernel weight, health reason, drain, explanation', async () => {
    const { d, file, health } = await setup();
    await d.start();
    health.set('web|10.1.0.2:80', 'down', 'HTTP 503 from 10.1.0.2:80/healthz');
    await d.idle();
    const s = await d.status();
    expect(s.daemon).toMatchObject({ generation: 1, dataplane: 'memory', configFile: file });
    const rs = s.virtualServers[0].realServers[1];
    expect(rs).toMatchObject({
      rs: '10.1.0.2:80',
      configuredWeight: 50,
      desiredWeight: 0,
      kernelWeight: 0,
      health: 'down',
      reason: 'HTTP 503 from 10.1.0.2:80/healthz',
      why: 'down: health check failing; weight 0 (on_failure = weight0)',
    });
    expect(s.virtualServers[0]).toMatchObject({ name: 'web', service: WEB, inKernel: true });
  });
});

describe('daemon core: reads and reload cost', () => {
  it('a reload that changes a weight reads nothing; the resync pass reads and repairs drift made by hand', async () => {
    const { d, dp, write, clock } = await setup();
    await d.start();
    const reads = dp.reads;
    const web = dp.snapshot().services[0]!;
    await dp.apply([{ op: 'del-dest', service: web.id, dest: web.destinations[1]! }]); // by hand
    write(text({ vs: [['web', '10.0.0.1:80', { '10.1.0.1:80': 77, '10.1.0.2:80': 50 }]] }));
    expect(await d.reload()).toMatchObject({ ok: true });
    expect(dp.reads).toBe(reads);
    const weights = () => dp.snapshot().services[0]!.destinations.map((x) => `${x.address}/${x.weight}`);
    expect(weights()).toEqual(['10.1.0.1/77']); // the hand-made deletion is not known yet
    clock.advance(30_000);
    await d.idle();
    expect(dp.reads).toBe(reads + 1);
    expect(weights()).toEqual(['10.1.0.1/77', '10.1.0.2/50']);
  });

  it('logs "reload complete" with the writes of its pass; an unchanged file is the same config, 0 writes', async () => {
    const { d, write, health, lines } = await setup();
    await d.start();
    const setCalls = health.setCalls;
    const before = d.config;
    await d.reload();
    expect(d.config).toBe(before);
    expect(health.setCalls).toBe(setCalls);
    write(text({ vs: [['web', '10.0.0.1:80', { '10.1.0.1:80': 77, '10.1.0.2:80': 50 }]] }));
    await d.reload();
    const done = lines.filter((l) => l.msg === 'reload complete');
    expect(done.map((l) => l.writes)).toEqual([0, 1]);
    expect(done.every((l) => typeof l.ms === 'number')).toBe(true);
  });

  it('start() resolves after its pass even while health transitions keep coming', async () => {
    const { d, health, metrics } = await setup();
    let flips = 200;
    metrics.onPass = () => {
      if (flips-- > 0) health.set('web|10.1.0.2:80', flips % 2 ? 'down' : 'up', 'flapping');
    };
    await d.start();
    expect(metrics.passes).toBeLessThan(5); // a request is answered by the pass after it, not by the end of the stream
    await d.idle();
    expect(metrics.passes).toBeGreaterThan(100);
  });
});
