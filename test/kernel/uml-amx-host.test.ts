/**
 * Kernel tier: user-mode Linux on a host whose CPU has AMX, simulated on this one. The host's ptrace
 * is made to look like an AMX host's for the FPU state (XSAVE size 11,008 bytes, a shorter write
 * refused with EFAULT) by test/support/native/amx-host.c, loaded after the ptrace shim. Without the
 * shim the guest dies at init exactly as on such a CPU, and the runner says why in one line; with
 * it the guest boots and runs floating-point work in two processes at once (their FPU state is
 * saved and restored through the shim at every switch) with the host's results.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { repoRoot, runUml, type UmlResult } from '../support/uml.js';

/** Floating-point work whose result any broken save/restore of XMM registers would change. */
const FP_JS = 'let s=0;for(let i=1;i<=2e6;i++)s+=Math.sqrt(i)/(1+Math.sin(i)*0.5);console.log(s.toFixed(6))';

describe.skipIf(!hasRoot('kernel: UML on a simulated AMX host'))(
  'user-mode Linux on a host with AMX (simulated)',
  () => {
    let dir: string;
    let without: UmlResult;
    let withShim: UmlResult;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lvsd-amx-'));
      const amx = join(dir, 'amx-host.so');
      execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', amx, join(repoRoot(), 'test/support/native/amx-host.c')]);
      const fp = `node -e '${FP_JS}'`;
      [without, withShim] = await Promise.all([
        runUml({ name: 'amx-noshim', script: 'echo started', timeoutMs: 120_000, shim: false, preload: [amx] }),
        runUml({
          name: 'amx-shim',
          script: `${fp} > "$OUT/fp1" & ${fp} > "$OUT/fp2"; wait; cat /proc/net/ip_vs > "$OUT/ip_vs"`,
          timeoutMs: 300_000,
          preload: [amx],
        }),
      ]);
    });
    afterAll(() => {
      without?.cleanup();
      withShim?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('without the shim the guest dies at init, and the runner says why and what to do in one line', () => {
      expect(without.ok).toBe(false);
      expect(without.log).toBe('');
      expect(without.console).toContain('ptrace set fp regs failed, errno = 14');
      expect(without.failure).toMatch(/refused UML's ptrace set of the FPU state \(errno 14\), as on CPUs with AMX/);
      expect(without.failure).toContain('the ptrace shim that fixes this was not loaded');
      expect(without.failure).not.toContain('\n');
    });

    it('with the shim the guest boots, has IPVS, and two processes compute what the host computes', () => {
      expect(withShim.failure).toBeUndefined();
      expect(withShim.ok, withShim.log + withShim.console.slice(-1500)).toBe(true);
      const host = execFileSync('node', ['-e', FP_JS], { encoding: 'utf8' });
      const out = (f: string): string => readFileSync(join(withShim.outDir, f), 'utf8');
      expect(out('fp1')).toBe(host);
      expect(out('fp2')).toBe(host);
      expect(out('ip_vs')).toMatch(/^IP Virtual Server version/);
    });
  },
);
