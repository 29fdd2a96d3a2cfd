/**
 * Kernel tier: the UML harness itself (test/support/uml.ts → src/lab/uml.ts). Two guests boot at
 * the same time (distinct umids): one reports its exit code, environment and loaded IPVS modules
 * through $OUT; the other never ends and must be killed at its deadline with its whole process tree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { repoRoot, runUml, umlIpvsModules } from '../support/uml.js';

function umlPids(tag: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `umid=lvsd-${tag}-${process.pid}-`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

describe.skipIf(!hasRoot('kernel: UML harness'))('kernel: UML harness', () => {
  it('runs a script as root with IPVS, reports its exit code, and kills a guest at its deadline', async () => {
    const [done, stuck] = await Promise.all([
      runUml({
        name: 'harness-ok',
        timeoutMs: 120_000,
        script:
          'id -u > "$OUT/uid"; echo "$LVSD_ROOT" > "$OUT/root"; cat /proc/net/ip_vs > "$OUT/ip_vs"; lsmod > "$OUT/lsmod"; test -c /dev/null && echo dev > "$OUT/dev"; echo hello; exit 7',
      }),
      runUml({ name: 'harness-stuck', timeoutMs: 15_000, script: 'echo started > "$OUT/started"; sleep 600' }),
    ]);
    try {
      expect(done.exitCode).toBe(7);
      expect(done.ok).toBe(false);
      expect(done.failure).toBeUndefined(); // the script ran: its own exit code is no boot failure
      expect(done.timedOut).toBe(false);
      expect(done.log).toBe('hello\n');
      const out = (f: string): string => readFileSync(join(done.outDir, f), 'utf8').trim();
      expect(out('uid')).toBe('0');
      expect(out('root')).toBe(repoRoot());
      expect(out('dev')).toBe('dev');
      expect(out('ip_vs')).toMatch(/^IP Virtual Server version/);
      for (const m of umlIpvsModules()) expect(out('lsmod')).toMatch(new RegExp(`^${m} `, 'm'));

      expect(stuck.timedOut).toBe(true);
      expect(stuck.ok).toBe(false);
      expect(stuck.failure).toBeUndefined(); // it hung in its script, not before
      expect(stuck.exitCode).toBeNull();
      expect(existsSync(join(stuck.outDir, 'started'))).toBe(true);
      expect(stuck.durationMs).toBeLessThan(60_000);
      expect(umlPids('harness-stuck')).toEqual([]);
    } finally {
      done.cleanup();
      stuck.cleanup();
    }
    expect(existsSync(done.outDir)).toBe(false);
  });
});
