/**
 * Host tier: `lvsd ipvs list` on this machine's kernel, through the real binary (bin/lvsd → dist).
 * The CI host kernel has no IPVS: the command must say so in one line and exit 1, no stack trace.
 * (On a kernel that does have IPVS it must instead list an empty table in a fresh namespace.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { Netns } from '../support/netns.js';
import { repoRoot } from '../support/uml.js';

const LVSD = join(repoRoot(), 'bin/lvsd');
const kernelHasIpvs = existsSync('/proc/net/ip_vs') || existsSync('/sys/module/ip_vs');

describe.skipIf(!hasRoot('host: lvsd ipvs on the host kernel'))('host: lvsd ipvs on this kernel', () => {
  let ns: Netns;
  beforeAll(() => void (ns = new Netns('ipvs')));
  afterAll(() => ns?.cleanup());

  it(
    kernelHasIpvs ? 'lists an empty table in a fresh namespace' : 'says IPVS is not available, exit 1, no stack trace',
    () => {
      const r = spawnSync('ip', ['netns', 'exec', ns.name, LVSD, 'ipvs', 'list'], { encoding: 'utf8' });
      if (kernelHasIpvs) {
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^IP Virtual Server version \d+\.\d+\.\d+ \(size=\d+\)\n/);
        return;
      }
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'lvsd ipvs list: IPVS is not available in this kernel (generic netlink family "IPVS" not found): load the ip_vs module\n',
      );
    },
  );

  it('save and restore fail the same way; a bad rules file is reported before touching the kernel', () => {
    const save = spawnSync(LVSD, ['ipvs', 'save'], { encoding: 'utf8' });
    expect(save.status).toBe(kernelHasIpvs ? 0 : 1);
    const bad = spawnSync(LVSD, ['ipvs', 'restore'], {
      encoding: 'utf8',
      input: '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r nowhere\n',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('lvsd ipvs restore: line 2: invalid address "nowhere"');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
