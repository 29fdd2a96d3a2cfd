/**
 * Host tier: `lvsd -f` with virtual servers, on this host kernel that has no IPVS (like a container
 * on a host without `modprobe ip_vs`). lvsd must not exit: it says why IPVS cannot be programmed,
 * keeps the health checks (and VRRP) running, reports the problem on /healthz and in lvsctl status,
 * retries at every resync, and still stops cleanly on SIGTERM.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { hasRoot } from '../support/root.js';
import { LvsdProcess, Scratch, freePort, lvsctl, requireBuild, waitFor } from './daemon-support.js';

const kernelHasIpvs = (() => {
  try {
    return existsSync('/proc/net/ip_vs');
  } catch {
    return false;
  }
})();

describe.skipIf(!hasRoot('host: lvsd on a kernel without IPVS'))('lvsd on a kernel without IPVS', () => {
  const s = new Scratch();
  afterAll(() => s.cleanup());

  it('keeps running with health checks, says why IPVS cannot work, retries at resync, exits 0 on SIGTERM', async () => {
    requireBuild();
    expect(kernelHasIpvs, 'this test needs a host kernel WITHOUT IPVS').toBe(false);
    const [web, metrics, refused] = [await freePort(), await freePort(), await freePort()];
    await s.nginx('be1', web);
    const cfg = s.write(
      'noipvs.toml',
      `[global]
control_socket = "${s.path('noipvs.sock')}"
state_file = "${s.path('noipvs-state.json')}"
metrics_listen = "127.0.0.1:${metrics}"
resync_interval = "1s"
[[virtual_server]]
name = "web"
address = "10.251.0.1"
port = 80
  [virtual_server.check]
  type = "http"
  path = "/"
  interval = "200ms"
  timeout = "150ms"
  rise = 1
  fall = 1
  [[virtual_server.real_server]]
  address = "127.0.0.1"
  port = ${web}
  weight = 7
  [[virtual_server.real_server]]
  address = "127.0.0.1"
  port = ${refused}
  weight = 7
`,
    );
    const p = new LvsdProcess(s, ['-f', cfg]);
    await p.logged('lvsd started', (l) => l.msg === 'lvsd started', 15_000);
    await waitFor(
      'the no-IPVS message on stderr',
      () => p.stderr.includes('VRRP and health checks keep running'),
      5_000,
    );
    expect(p.stderr).toContain('IPVS is not available in this kernel');
    expect(p.stderr).toContain('VRRP and health checks keep running');
    // The checks run: one backend answers, the other refuses.
    const upLine = new RegExp(`127\\.0\\.0\\.1:${web}\\s+up\\b`);
    const downLine = new RegExp(`127\\.0\\.0\\.1:${refused}\\s+down\\b.*ECONNREFUSED`);
    const status = await waitFor(
      'health of both real servers in lvsctl status',
      () => {
        const r = lvsctl(['-s', s.path('noipvs.sock'), 'status']);
        return r.code === 0 && upLine.test(r.stdout) && downLine.test(r.stdout) ? r.stdout : undefined;
      },
      10_000,
    );
    expect(status).toContain('IPVS is not available');
    // /healthz names the problem instead of claiming health.
    const hz = await fetch(`http://127.0.0.1:${metrics}/healthz`);
    expect(hz.status).not.toBe(200);
    expect(await hz.text()).toContain('IPVS is not available');
    // It retries at every resync (1 s): at least two failed passes are logged after the start.
    await p.logged(
      'a second failed reconcile',
      () => p.lines.filter((l) => String(l.err ?? '').includes('IPVS is not available')).length >= 3,
      10_000,
    );
    p.proc.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
