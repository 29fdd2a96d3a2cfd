/**
 * Host tier: `lvsd -f` as a real process with the memory dataplane, nginx backends on 127.0.0.1,
 * lvsctl over the control socket, SIGHUP reloads, /metrics and /healthz, SIGTERM. Twice: probes on
 * the main thread, and in 2 worker threads (LVSD_HEALTH_SHARDS=2, the bundle's shard-worker.js).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { hasRoot } from '../support/root.js';
import { LvsdProcess, Scratch, freePort, lvsctl, requireBuild, waitFor } from './daemon-support.js';

interface RsStatus {
  rs: string;
  health: string;
  kernelWeight: number | null;
  desiredWeight: number | null;
  configuredWeight: number;
  drained: boolean;
  reason?: string;
  why?: string;
}
interface Status {
  daemon: { generation: number; dataplane: string; lastReload?: { ok: boolean; summary?: string } };
  virtualServers: Array<{ name: string; service: string; scheduler: string; realServers: RsStatus[] }>;
}

describe.skipIf(!hasRoot('host: lvsd daemon with the memory dataplane')).each([
  { threads: 0, engine: 'health checks run on the main thread' },
  { threads: 2, engine: 'health checks run in 2 worker threads' },
])('lvsd -f --dataplane memory as a process, health threads: $threads', ({ threads, engine }) => {
  const s = new Scratch();
  let d: LvsdProcess;
  let portA: number, portB: number, metricsPort: number;
  let nginxB: ChildProcess;
  const sock = s.path('lvsd.sock');
  const cfgPath = s.path('lvsd.toml');

  const config = (opts: { weightA?: number; scheduler?: string; extra?: string } = {}) => `
[global]
router_id = "hosttest"
control_socket = "${sock}"
metrics_listen = "127.0.0.1:${metricsPort}"
state_file = "${s.path('state.json')}"
resync_interval = "1s"

[[virtual_server]]
name = "web"
address = "10.250.0.1"
port = 80
scheduler = "${opts.scheduler ?? 'wrr'}"
  [virtual_server.check]
  type = "http"
  path = "/"
  interval = "200ms"
  timeout = "150ms"
  rise = 1
  fall = 1
  warmup = false
  [[virtual_server.real_server]]
  address = "127.0.0.1"
  port = ${portA}
  weight = ${opts.weightA ?? 10}
  [[virtual_server.real_server]]
  address = "127.0.0.1"
  port = ${portB}
  weight = 20
${opts.extra ?? ''}`;

  const status = (): Status => {
    const r = lvsctl(['-s', sock, 'status', '--json']);
    if (r.code !== 0) throw new Error(`lvsctl status failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Status;
  };
  const rsOf = (st: Status, port: number) =>
    st.virtualServers[0].realServers.find((r) => r.rs === `127.0.0.1:${port}`)!;

  beforeAll(async () => {
    requireBuild();
    [portA, portB, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
    await s.nginx('a', portA);
    nginxB = await s.nginx('b', portB);
    writeFileSync(cfgPath, config());
    d = new LvsdProcess(s, ['-f', cfgPath, '--dataplane', 'memory'], {
      env: { LVSD_HEALTH_SHARDS: String(threads) },
    });
    await d.logged('health engine choice', (l) => l.msg === engine && l.threads === threads);
    await d.logged('lvsd started', (l) => l.msg === 'lvsd started');
  });
  afterAll(() => s.cleanup());

  it('creates the control socket with mode 0600 and answers status with the planned table', async () => {
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    const st = await waitFor('both weights applied', () => {
      const x = status();
      return rsOf(x, portA).kernelWeight === 10 && rsOf(x, portB).kernelWeight === 20 ? x : undefined;
    });
    expect(st.daemon).toMatchObject({ generation: 1, dataplane: 'memory' });
    expect(st.virtualServers[0]).toMatchObject({ name: 'web', service: 'TCP 10.250.0.1:80', scheduler: 'wrr' });
    const text = lvsctl(['-s', sock, 'status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${portB}\\s+up\\s+ready\\s+20/20/20`));
  });

  it('a backend killed for real goes down with a reason; weight 0 in the table; transition logged', async () => {
    nginxB.kill('SIGKILL');
    const st = await waitFor('B down in status', () => {
      const x = status();
      return rsOf(x, portB).health === 'down' && rsOf(x, portB).kernelWeight === 0 ? x : undefined;
    });
    expect(rsOf(st, portB).reason).toMatch(/ECONNREFUSED|refused/i);
    expect(rsOf(st, portA).kernelWeight).toBe(10);
    await d.logged(
      'transition line',
      (l) =>
        l.msg === 'health transition' &&
        l.to === 'down' &&
        JSON.stringify(l.ids).includes(`web|127.0.0.1:${portB}`) &&
        typeof l.reason === 'string',
    );
    await s.nginx('b', portB);
    await waitFor('B back up', () => rsOf(status(), portB).kernelWeight === 20);
  });

  it('lvsctl drain / enable change the weight, persist to the state file, and name unknown servers', async () => {
    const r = lvsctl(['-s', sock, 'drain', 'web', `127.0.0.1:${portA}`]);
    expect(r).toMatchObject({ code: 0 });
    // the answer says what changed and what the kernel got
    expect(r.stdout).toContain(`web 127.0.0.1:${portA}: ready -> drain`);
    expect(r.stdout).toContain(`ipvsadm -e -t 10.250.0.1:80 -r 127.0.0.1:${portA} -m -w 0`);
    // drain: weight 0 and kept, although it has no connections (the memory table has none)
    await new Promise((res) => setTimeout(res, 1500)); // a resync (1s) later
    const a = rsOf(status(), portA);
    expect(a).toMatchObject({ drained: true, kernelWeight: 0 });
    expect(a.why).toMatch(/drain/i);
    expect(readFileSync(s.path('state.json'), 'utf8')).toContain(`127.0.0.1:${portA}`);
    const bad = lvsctl(['-s', sock, 'drain', 'web', '127.0.0.1:1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('has no real server 127.0.0.1:1');
    const badVs = lvsctl(['-s', sock, 'enable', 'nope', '127.0.0.1:1']);
    expect(badVs.stderr).toContain('no virtual server named "nope"');
    expect(lvsctl(['-s', sock, 'enable', 'web', `127.0.0.1:${portA}`]).code).toBe(0);
    await waitFor('A weight back', () => rsOf(status(), portA).kernelWeight === 10);
  });

  it('SIGHUP with a valid config: generation 2, weight and scheduler changed, summary logged', async () => {
    writeFileSync(cfgPath, config({ weightA: 15, scheduler: 'wlc' }));
    d.proc.kill('SIGHUP');
    const line = await d.logged('reload summary', (l) => typeof l.msg === 'string' && l.msg.startsWith('reloaded:'));
    expect(String(line.msg)).toMatch(/~1 services.*~1 dests/);
    const st = await waitFor('reload applied', () => {
      const x = status();
      return rsOf(x, portA).kernelWeight === 15 ? x : undefined;
    });
    expect(st.daemon.generation).toBe(2);
    expect(st.virtualServers[0].scheduler).toBe('wlc');
  });

  it('SIGHUP / lvsctl reload with an invalid config: every problem logged, old config kept, daemon alive', async () => {
    writeFileSync(cfgPath, config({ weightA: 15, scheduler: 'wlc' }).replace(`port = ${portB}`, 'port = "80a"'));
    d.proc.kill('SIGHUP');
    const line = await d.logged(
      'rejected problem',
      (l) => l.msg === 'reload rejected' && String(l.path).includes('real_server[1].port'),
    );
    expect(String(line.problem)).toContain('80a');
    const r = lvsctl(['-s', sock, 'reload']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('real_server[1].port');
    const st = status();
    expect(st.daemon.generation).toBe(2);
    expect(st.daemon.lastReload?.ok).toBe(false);
    expect(rsOf(st, portA).kernelWeight).toBe(15);
    writeFileSync(cfgPath, config({ weightA: 15, scheduler: 'wlc' }));
    const ok = lvsctl(['-s', sock, 'reload']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('reloaded (generation 3)');
  });

  it('serves /metrics (weights, health, reconcile, reloads, generation, probe latency) and /healthz', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toContain(`lvsd_destination_weight{vs="web",rs="127.0.0.1:${portA}"} 15`);
    expect(text).toContain(`lvsd_destination_up{vs="web",rs="127.0.0.1:${portB}"} 1`);
    expect(text).toMatch(/lvsd_reconcile_total \d+/);
    expect(text).toContain('lvsd_reloads_total{result="failed"} 2');
    expect(text).toContain('lvsd_config_generation 3');
    expect(text).toContain('lvsd_probe_duration_seconds_bucket');
    // counted where the probes ran (a shard's are folded into the main thread's metrics)
    expect(Number(/lvsd_probes_total\{kind="http",result="ok"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/lvsd_probes_total\{kind="http",result="failed"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/lvsd_scheduler_lag_seconds_count (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/lvsd_health_transitions_total\{to="down"\} [1-9]/);
    const h = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(h.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/nope`)).status).toBe(404);
  });

  it('SIGTERM: exits 0 promptly and removes the socket; lvsctl then says the daemon is not running', async () => {
    const t0 = Date.now();
    d.proc.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    const r = lvsctl(['-s', sock, 'status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lvsd is not running');
  });
});
