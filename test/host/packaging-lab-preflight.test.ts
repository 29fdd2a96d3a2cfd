import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasRoot } from '../support/root.js';

const MISSING = ['user-mode-linux', 'nginx-light'];

/**
 * A dpkg-query that reports MISSING as not installed and everything else as installed, put first
 * on PATH: the lab's preflight is exercised without uninstalling anything from this machine.
 */
function fakeDpkg(dir: string): void {
  writeFileSync(
    join(dir, 'dpkg-query'),
    `#!/bin/sh\nfor a; do p="$a"; done\ncase " ${MISSING.join(' ')} " in *" $p "*) exit 1;; esac\nprintf 'install ok installed'\n`,
  );
  chmodSync(join(dir, 'dpkg-query'), 0o755);
  chmodSync(dir, 0o755);
}

describe.skipIf(!hasRoot('host: lab preflight as an unprivileged user'))('lab/run preflight', () => {
  it('not root and packages missing: prints the one install command and exits 1, doing nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-preflight-'));
    try {
      fakeDpkg(dir);
      const r = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', resolve('lab/run'), '--short'],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, CI: '' },
          timeout: 30_000,
        },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`missing Debian packages: ${MISSING.join(' ')}`);
      expect(r.stderr).toContain(`install them with: sudo apt-get install -y ${MISSING.join(' ')}`);
      expect(r.stdout).not.toMatch(/installing|building|booting/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown argument: usage and exit 2 before anything boots', () => {
    const r = spawnSync('node', ['dist/src/lab/main.js', '--fast'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown argument "--fast"');
    expect(r.stderr).toContain('usage: lab/run');
    expect(r.stdout).not.toContain('booting');
  });
});
