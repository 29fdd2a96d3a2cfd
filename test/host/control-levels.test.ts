/**
 * Host tier: the control socket's two levels, with real users. lvsd runs as root; its socket is
 * opened to everyone here (as a group permission would let operators in). The user `nobody` can
 * read status but every change is refused with EPERM and changes nothing; root (lvsd's own user)
 * may change. The level comes from the peer's credentials (SO_PEERCRED), not from the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { hasRoot } from '../support/root.js';
import { LVSCTL, LvsdProcess, Scratch, lvsctl, requireBuild, waitFor } from './daemon-support.js';

describe.skipIf(!hasRoot('host: control socket levels (root vs nobody)'))('control socket levels', () => {
  const s = new Scratch();
  const sock = s.path('lvsd.sock');
  let d: LvsdProcess;
  const asNobody = (args: string[]) => {
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, LVSCTL, '-s', sock, ...args],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const weight = () => {
    const st = JSON.parse(lvsctl(['-s', sock, 'status', '--json']).stdout) as {
      virtualServers: Array<{ realServers: Array<{ kernelWeight: number | null }> }>;
    };
    return st.virtualServers[0]!.realServers[0]!.kernelWeight;
  };

  beforeAll(async () => {
    requireBuild();
    const cfg = s.write(
      'lvsd.toml',
      `[global]\ncontrol_socket = "${sock}"\nstate_file = "${s.path('state.json')}"\n` +
        `[[virtual_server]]\nname = "web"\naddress = "10.250.0.1"\nport = 80\n` +
        `[[virtual_server.real_server]]\naddress = "10.250.1.1"\nport = 80\nweight = 10\n`,
    );
    d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory']);
    await d.logged('lvsd started', (l) => l.msg === 'lvsd started');
    chmodSync(s.dir, 0o755);
    chmodSync(sock, 0o666);
    await waitFor('weight applied', () => weight() === 10);
  });
  afterAll(() => s.cleanup());

  it('a user that is not lvsd reads status (user level)', () => {
    const r = asNobody(['status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('10.250.1.1:80');
  });

  it('its changes are refused with EPERM naming the level, and nothing changes', () => {
    for (const args of [
      ['state', 'web', '10.250.1.1:80', 'drain'],
      ['weight', 'web', '10.250.1.1:80', '1'],
      ['check', 'web'],
      ['reload'],
      ['drain', 'web', '10.250.1.1:80'],
    ]) {
      const r = asNobody(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/needs the admin level.*\(EPERM\)/);
    }
    expect(weight()).toBe(10);
  });

  it('contrast: lvsd’s own user (root) changes the same thing', () => {
    const r = lvsctl(['-s', sock, 'weight', 'web', '10.250.1.1:80', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(weight()).toBe(3);
  });
});
