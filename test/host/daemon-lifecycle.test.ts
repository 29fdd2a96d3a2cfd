/**
 * Host tier: process lifecycle of `lvsd -f`: SIGTERM as PID 1 of a PID namespace (containers),
 * overrides surviving a restart through the state file, and a VRRP-only config that runs with the
 * kernel dataplane on a host kernel without IPVS (it never opens the IPVS family) and holds its VIP.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hasRoot } from '../support/root.js';
import { Netns, sh } from '../support/netns.js';
import { LVSD, LvsdProcess, Scratch, freePort, lvsctl, requireBuild, waitFor } from './daemon-support.js';

const webConfig = (s: Scratch, extra = '') => `[global]
control_socket = "${s.path('lvsd.sock')}"
state_file = "${s.path('state.json')}"
${extra}
[[virtual_server]]
name = "web"
address = "10.250.0.1"
port = 80
  [[virtual_server.real_server]]
  address = "10.250.1.1"
  port = 80
  weight = 5
  [[virtual_server.real_server]]
  address = "10.250.1.2"
  port = 80
  weight = 5
`;

describe.skipIf(!hasRoot('host: lvsd process lifecycle'))('lvsd process lifecycle', () => {
  const s = new Scratch();
  const namespaces: Netns[] = [];
  afterAll(() => {
    namespaces.forEach((n) => n.cleanup());
    s.cleanup();
  });

  it('as PID 1 of a PID namespace, SIGTERM stops it promptly with exit 0', async () => {
    requireBuild();
    const cfg = s.write('pid1.toml', webConfig(s));
    const u = s.own(
      spawn(
        'unshare',
        ['--pid', '--fork', '--kill-child', process.execPath, LVSD, '-f', cfg, '--dataplane', 'memory'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    let out = '';
    u.stdout!.on('data', (c) => (out += c));
    await waitFor('started', () => out.includes('"lvsd started"'));
    expect(out).toContain('"pid":1,');
    const child = Number(
      sh('pgrep', ['-P', String(u.pid)])
        .trim()
        .split('\n')[0],
    );
    const exited = new Promise<number | null>((r) => u.once('exit', (c) => r(c)));
    const t0 = Date.now();
    process.kill(child, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(out).toContain('SIGTERM: stopping');
  });

  it('an operator drain survives a restart through the state file', async () => {
    const cfg = s.write('restart.toml', webConfig(s));
    const sock = s.path('lvsd.sock');
    const a = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await a.logged('started', (l) => l.msg === 'lvsd started');
    expect(lvsctl(['-s', sock, 'drain', 'web', '10.250.1.2:80']).code).toBe(0);
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const b = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await b.logged('started again', (l) => l.msg === 'lvsd started');
    const st = JSON.parse(lvsctl(['-s', sock, 'status', '--json']).stdout) as {
      virtualServers: Array<{ realServers: Array<{ rs: string; drained: boolean; kernelWeight: number | null }> }>;
    };
    const rs = st.virtualServers[0].realServers;
    expect(rs.find((r) => r.rs === '10.250.1.2:80')).toMatchObject({ drained: true });
    expect(rs.find((r) => r.rs === '10.250.1.1:80')).toMatchObject({ drained: false, kernelWeight: 5 });
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });

  it('a second daemon on the same control socket is refused; a stale socket file is replaced', async () => {
    const cfg = s.write('twice.toml', webConfig(s));
    const a = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await a.logged('started', (l) => l.msg === 'lvsd started');
    const b = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    expect(await b.exited).toBe(1);
    expect(b.stderr).toContain('another daemon is answering on');
    a.proc.kill('SIGKILL');
    await a.exited;
    const c = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await c.logged('started over a stale socket', (l) => l.msg === 'lvsd started');
    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
  });

  it('a VRRP-only config runs with the kernel dataplane on a kernel without IPVS, becomes MASTER, and removes its VIP on SIGTERM', async () => {
    const ns = new Netns('h6vrrp');
    namespaces.push(ns);
    ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    ns.ip('link', 'set', 'eth1', 'up');
    ns.ip('addr', 'add', '10.77.0.2/24', 'dev', 'eth0');
    ns.ip('link', 'set', 'eth0', 'up');
    const metrics = await freePort();
    const cfg = s.write(
      'vrrp.toml',
      `[global]
control_socket = "${s.path('vrrp.sock')}"
state_file = "${s.path('vrrp-state.json')}"
metrics_listen = "127.0.0.1:${metrics}"
[[vrrp_instance]]
name = "VI_1"
interface = "eth0"
virtual_router_id = 51
priority = 100
version = 3
advert_interval = "100ms"
virtual_ipaddress = ["10.77.0.100/24"]
`,
    );
    void writeFileSync;
    const p = s.own(ns.spawn(process.execPath, [LVSD, '-f', cfg]));
    let out = '';
    p.stdout!.on('data', (c) => (out += c));
    p.stderr!.on('data', (c) => (out += c));
    await waitFor(`lvsd started (output: ${out.slice(-400)})`, () => out.includes('"lvsd started"'), 15_000);
    expect(out).toContain('"dataplane":"none"');
    await waitFor('VIP on eth0', () => ns.ip('addr', 'show', 'dev', 'eth0').includes('10.77.0.100/24'), 10_000);
    const st = ns.exec(process.execPath, [
      LVSD.replace('lvsd', 'lvsctl'),
      '-s',
      s.path('vrrp.sock'),
      'status',
      '--json',
    ]);
    expect((JSON.parse(st) as { vrrp: Array<{ name: string; state: string }> }).vrrp[0]).toMatchObject({
      name: 'VI_1',
      state: 'MASTER',
    });
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(ns.ip('addr', 'show', 'dev', 'eth0')).not.toContain('10.77.0.100');
  });

  it('VRRP on a missing interface: the daemon runs, lvsctl status shows the instance in FAULT with the reason, SIGTERM exits 0', async () => {
    const cfg = s.write(
      'badif.toml',
      `[global]
control_socket = "${s.path('badif.sock')}"
state_file = "${s.path('badif-state.json')}"
[[vrrp_instance]]
name = "VI_9"
interface = "nonexistent9"
virtual_router_id = 9
priority = 100
version = 3
advert_interval = "1s"
virtual_ipaddress = ["10.78.0.100/24"]
`,
    );
    const p = new LvsdProcess(s, ['-f', cfg]);
    await p.logged('lvsd started', (l) => l.msg === 'lvsd started', 15_000);
    const st = JSON.parse(lvsctl(['-s', s.path('badif.sock'), 'status', '--json']).stdout) as {
      vrrp: Array<{ name: string; state: string; reason: string }>;
    };
    expect(st.vrrp).toEqual([
      expect.objectContaining({
        name: 'VI_9',
        state: 'FAULT',
        reason: 'interface nonexistent9 does not exist; FAULT until it appears',
      }),
    ]);
    p.proc.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(existsSync(s.path('badif.sock'))).toBe(false);
  });
});
