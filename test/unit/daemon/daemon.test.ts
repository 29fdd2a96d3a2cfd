import { describe, expect, it, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/util/clock.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { Overrides } from '../../../src/daemon/overrides.js';
import { fakeModel, FakeHealth, FakeReconciler, FakeVrrp, memoryLogger, type FakeConfig } from './fakes.js';

const WEB = 'TCP 10.0.0.1:80';
const base = (): FakeConfig => ({
  resync: 30_000,
  onShutdown: 'keep',
  vs: [{ name: 'web', address: '10.0.0.1', port: 80, rs: { '10.1.0.1:80': 100, '10.1.0.2:80': 50 } }],
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(cfg = base(), opts: { stateFile?: string; vrrp?: boolean | 'async' } = {}) {
  const files = new Map<string, FakeConfig | string>([['/etc/lvsd.toml', { ...cfg, stateFile: opts.stateFile }]]);
  const model = fakeModel(files);
  const health = new FakeHealth();
  const rec = new FakeReconciler();
  const clock = new ManualClock();
  const { log, lines } = memoryLogger();
  const vrrps: FakeVrrp[] = [];
  const overrides = new Overrides(opts.stateFile);
  overrides.load();
  const d = new Daemon<FakeConfig>({
    model,
    configPath: '/etc/lvsd.toml',
    config: { ...cfg, stateFile: opts.stateFile },
    reconciler: rec,
    dataplaneKind: 'memory',
    health,
    overrides,
    clock,
    log,
    vrrp: !opts.vrrp
      ? undefined
      : opts.vrrp === 'async'
        ? async (i) => {
            await new Promise((r) => setTimeout(r, 5));
            vrrps.push(new FakeVrrp(i));
            return vrrps[vrrps.length - 1];
          }
        : (i) => (vrrps.push(new FakeVrrp(i)), vrrps[vrrps.length - 1]),
  });
  return { d, files, model, health, rec, clock, lines, vrrps };
}

describe('daemon core: one coalesced reconcile path', () => {
  it('startup sets health targets and applies the planned table in one pass, adopting what exists', async () => {
    const { d, rec, health } = setup();
    rec.table = {
      services: [
        {
          id: { af: 'inet', protocol: 'udp', address: '10.9.9.9', port: 53 },
          scheduler: 'rr',
          flags: 0,
          timeout: 0,
          netmask: 0,
          destinations: [],
        },
      ],
    };
    await d.start();
    expect(health.targets.map((t) => t.id)).toEqual(['web|10.1.0.1:80', 'web|10.1.0.2:80']);
    expect(rec.passes).toBe(1);
    expect(rec.weight(WEB, '10.1.0.1:80')).toBe(100);
    expect(rec.table.services.map((s) => s.id.port)).toEqual([53, 80]);
  });

  it('a health transition leads to a pass that sets weight 0 (logged at debug with vs/rs and reason)', async () => {
    const { d, rec, health, lines } = setup();
    await d.start();
    health.set('web|10.1.0.2:80', 'down', 'connect ECONNREFUSED');
    await d.idle();
    expect(rec.weight(WEB, '10.1.0.2:80')).toBe(0);
    expect(
      lines.some((l) => l.msg === 'real server down' && l.reason === 'connect ECONNREFUSED' && l.rs === '10.1.0.2:80'),
    ).toBe(true);
  });

  it('a burst of transitions while a pass runs coalesces into one more pass', async () => {
    const { d, rec, health } = setup();
    await d.start();
    let open!: () => void;
    rec.gate = new Promise((r) => (open = r));
    health.set('web|10.1.0.1:80', 'down', 'x');
    await Promise.resolve();
    await Promise.resolve();
    for (let i = 0; i < 10; i++) health.set('web|10.1.0.2:80', i % 2 ? 'up' : 'down', 'flap');
    open();
    rec.gate = undefined;
    await d.idle();
    expect(rec.passes).toBe(3);
  });

  it('a planner that throws does not kill the daemon: logged, kernel untouched, retried after 1s', async () => {
    const { d, rec, model, lines, clock } = setup();
    await d.start();
    const plan = model.plan;
    let fail = true;
    model.plan = (i, m) => {
      if (fail) throw new Error('planner bug');
      return plan(i, m);
    };
    await d.requestPass('test');
    expect(rec.passes).toBe(1);
    expect(lines.some((l) => l.msg === 'pass failed; retrying in 1s' && String(l.err).includes('planner bug'))).toBe(
      true,
    );
    fail = false;
    clock.advance(1000);
    await d.idle();
    expect(rec.passes).toBe(2);
  });

  it('the resync timer runs a pass every resync_interval (drift repair)', async () => {
    const { d, rec, clock } = setup();
    await d.start();
    rec.table.services[0].destinations.pop();
    clock.advance(29_999);
    await d.idle();
    expect(rec.passes).toBe(1);
    clock.advance(1);
    await d.idle();
    expect(rec.passes).toBe(2);
    expect(rec.weight(WEB, '10.1.0.2:80')).toBe(50);
  });
});

describe('daemon core: reload', () => {
  it('an invalid config is rejected: old config kept, no reconcile, every problem logged', async () => {
    const { d, rec, files, lines, health } = setup();
    await d.start();
    files.set('/etc/lvsd.toml', 'expected an integer 1-65535, got "80a"');
    const r = await d.reload();
    expect(r.ok).toBe(false);
    expect(rec.passes).toBe(1);
    expect(health.setCalls).toBe(1);
    expect(d.generation).toBe(1);
    expect(d.config.vs[0].name).toBe('web');
    expect(lines.some((l) => l.path === 'virtual_server[0].port' && String(l.problem).includes('80a'))).toBe(true);
    expect((await d.status()).daemon.lastReload?.ok).toBe(false);
  });

  it('a valid config: generation+1, summary logged, removed service deleted because previous keys stay owned', async () => {
    const { d, rec, files, lines } = setup();
    await d.start();
    files.set('/etc/lvsd.toml', {
      ...base(),
      vs: [{ name: 'dns', address: '10.0.0.2', port: 53, rs: { '10.2.0.1:53': 1 } }],
    });
    const r = await d.reload();
    expect(r).toMatchObject({ ok: true, generation: 2, summary: '+1 services' });
    expect(rec.owned.at(-1)).toEqual(['TCP 10.0.0.1:80', 'TCP 10.0.0.2:53']);
    expect(rec.table.services.map((s) => s.id.port)).toEqual([53]);
    expect(lines.some((l) => String(l.msg).startsWith('reloaded: +1 services'))).toBe(true);
  });

  it('an unchanged config reload makes no write', async () => {
    const { d, rec } = setup();
    await d.start();
    const before = rec.writes;
    await d.reload();
    expect(rec.passes).toBe(2);
    expect(rec.writes).toBe(before);
  });
});

describe('daemon core: operator overrides', () => {
  it('drain sets weight 0, survives a reload and a restart via the state file; enable undoes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-unit-'));
    dirs.push(dir);
    const stateFile = join(dir, 'state.json');
    const a = setup(base(), { stateFile });
    await a.d.start();
    expect(await a.d.drain('web', '10.1.0.1:80')).toEqual({ changed: true });
    expect(a.rec.weight(WEB, '10.1.0.1:80')).toBe(0);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({
      version: 1,
      drained: [{ vs: 'web', rs: '10.1.0.1:80' }],
    });
    await a.d.reload();
    expect(a.rec.weight(WEB, '10.1.0.1:80')).toBe(0);
    await a.d.stop();

    const b = setup(base(), { stateFile });
    await b.d.start();
    expect(b.rec.weight(WEB, '10.1.0.1:80')).toBe(0);
    expect((await b.d.status()).virtualServers[0].realServers[0].drained).toBe(true);
    expect(await b.d.enable('web', '10.1.0.1:80')).toEqual({ changed: true });
    expect(b.rec.weight(WEB, '10.1.0.1:80')).toBe(100);
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).drained).toEqual([]);
  });

  it('unknown names are refused with ENOVS / ENORS naming what exists', async () => {
    const { d } = setup();
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
    const { d, rec, health, clock } = setup();
    await d.start();
    await d.stop();
    expect(health.stopped).toBe(true);
    clock.advance(120_000);
    await d.idle();
    expect(rec.passes).toBe(1);
    expect(rec.table.services).toHaveLength(1);
  });

  it('on_shutdown remove: owned services deleted, an unowned one kept', async () => {
    const { d, rec } = setup({ ...base(), onShutdown: 'remove' });
    rec.table = {
      services: [
        {
          id: { af: 'inet', protocol: 'udp', address: '10.9.9.9', port: 53 },
          scheduler: 'rr',
          flags: 0,
          timeout: 0,
          netmask: 0,
          destinations: [],
        },
      ],
    };
    await d.start();
    await d.stop();
    expect(rec.table.services.map((s) => s.id.port)).toEqual([53]);
  });
});

describe('daemon core: VRRP and status', () => {
  it('feeds track_virtual_server once per quorum change and stops VRRP on shutdown', async () => {
    const cfg = { ...base(), vrrp: ['VI_1'] };
    const { d, health, vrrps } = setup(cfg, { vrrp: true });
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
    const { d, files, vrrps } = setup(base(), { vrrp: 'async' });
    await d.start();
    files.set('/etc/lvsd.toml', { ...base(), vrrp: ['VI_1'] });
    await Promise.all([d.reload(), d.reload()]);
    await d.stop();
    expect(vrrps).toHaveLength(1);
    expect(vrrps[0].calls).toEqual(['start', 'reload', 'vs web up', 'stop']);
  });

  it('status answers "why no traffic": configured/desired/kernel weight, health reason, drain, explanation', async () => {
    const { d, health } = setup();
    await d.start();
    health.set('web|10.1.0.2:80', 'down', 'HTTP 503 from 10.1.0.2:80/healthz');
    await d.idle();
    const s = await d.status();
    expect(s.daemon).toMatchObject({ generation: 1, dataplane: 'memory', configFile: '/etc/lvsd.toml' });
    const rs = s.virtualServers[0].realServers[1];
    expect(rs).toMatchObject({
      rs: '10.1.0.2:80',
      configuredWeight: 50,
      desiredWeight: 0,
      kernelWeight: 0,
      health: 'down',
      reason: 'HTTP 503 from 10.1.0.2:80/healthz',
      why: 'down: weight 0',
    });
    expect(s.virtualServers[0]).toMatchObject({ name: 'web', service: WEB, inKernel: true });
  });
});
