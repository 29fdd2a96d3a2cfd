/**
 * Hostile-input suite, privileges (issue 12): lvsd run as the shipped systemd unit runs it, an
 * unprivileged user with CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW (setpriv gives the same
 * bounding, ambient and effective sets), and what another local user can then do to it: no debugger
 * (SIGUSR1 opens nothing; the process is not dumpable, so no ptrace and no /proc/PID/environ), no
 * core dump (RLIMIT_CORE 0), and a control socket only its owner (and control_socket_group) reaches.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../../support/root.js';
import { LVSD, LVSCTL, LvsdProcess, Scratch, requireBuild } from '../daemon-support.js';
import { listening, oneService } from './support.js';

const NOBODY = 65534;
const CAPS = '-all,+net_admin,+net_raw';
const SETPRIV = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

/** Runs lvsctl as `uid` (and extra groups); returns its exit code and stderr. */
function lvsctlAs(uid: number, sock: string, groups = ''): { code: number | null; stderr: string } {
  const ids = [`--reuid=${uid}`, `--regid=${uid}`, groups ? `--groups=${groups}` : '--clear-groups'];
  const r = spawnSync('setpriv', [...ids, process.execPath, LVSCTL, '-s', sock, 'status'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe.skipIf(!hasRoot('host: privileges'))('hostile input: privileges of a daemon run like the systemd unit', () => {
  const s = new Scratch();
  afterAll(() => s.cleanup());
  const run = s.path('run'); // what RuntimeDirectory= and StateDirectory= give the dynamic user
  mkdirSync(run, { mode: 0o755 });
  chownSync(run, NOBODY, NOBODY);
  spawnSync('chmod', ['755', s.dir]);

  it('bounding set CAP_NET_ADMIN CAP_NET_RAW, not dumpable, no core, USR1 opens nothing, socket 0600 for its owner only', async () => {
    requireBuild();
    const sock = `${run}/lvsd.sock`;
    const cfg = s.write(
      'priv.toml',
      oneService(s).replace(s.path('lvsd.sock'), sock).replace(s.path('state.json'), `${run}/state.json`),
    );
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory'], {
      cmd: [
        ...SETPRIV,
        `--inh-caps=${CAPS}`,
        `--ambient-caps=${CAPS}`,
        `--bounding-set=${CAPS}`,
        process.execPath,
        LVSD,
      ],
    });
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      const pid = d.proc.pid!;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+65534\s+65534/m);
      expect(status).toMatch(/^CapBnd:\s+0*3000$/m); // bits 12 (NET_ADMIN) and 13 (NET_RAW) only
      expect(status).toMatch(/^CapEff:\s+0*3000$/m);
      // not dumpable: /proc/PID/environ is root's, so the process's own user cannot read it (nor ptrace it)
      expect(statSync(`/proc/${pid}/environ`).uid).toBe(0);
      const peek = spawnSync('setpriv', [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        'cat',
        `/proc/${pid}/environ`,
      ]);
      expect(peek.status).not.toBe(0);
      expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(/^Max core file size\s+0\s+0\s+bytes/m);
      d.proc.kill('SIGUSR1');
      await d.logged('status dump', (l) => l.msg === 'SIGUSR1: status');
      expect(listening(pid)).toEqual([]);

      const st = statSync(sock);
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.uid).toBe(NOBODY);
      expect(lvsctlAs(NOBODY, sock).code).toBe(0); // the daemon's own user
      const other = lvsctlAs(65533, sock); // any other local user
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('permission denied');
    } finally {
      d.proc.kill('SIGTERM');
      expect(await d.exited).toBe(0);
    }
  });

  it('control_socket_group: the socket is 0660 for that group; its members connect, others still cannot', async () => {
    const sock = `${run}/grp.sock`;
    const cfg = s.write(
      'group.toml',
      oneService(s, `control_socket_group = "65533"`)
        .replace(s.path('lvsd.sock'), sock)
        .replace(s.path('state.json'), `${run}/state2.json`),
    );
    // lvsd is a member of the group (systemd: SupplementaryGroups=)
    const d = new LvsdProcess(s, ['-f', cfg, '--dataplane', 'memory'], {
      cmd: [
        'setpriv',
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--groups=65533',
        `--inh-caps=${CAPS}`,
        `--ambient-caps=${CAPS}`,
        `--bounding-set=${CAPS}`,
        process.execPath,
        LVSD,
      ],
    });
    try {
      await d.logged('started', (l) => l.msg === 'lvsd started');
      const st = statSync(sock);
      expect(st.mode & 0o777).toBe(0o660);
      expect(st.gid).toBe(65533);
      expect(lvsctlAs(65532, sock, '65533').code).toBe(0); // a member of the group
      expect(lvsctlAs(65532, sock).code).toBe(1); // the same user without the group
    } finally {
      d.proc.kill('SIGTERM');
      expect(await d.exited).toBe(0);
    }
  });
});
