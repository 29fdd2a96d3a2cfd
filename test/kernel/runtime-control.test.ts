/**
 * Kernel tier (UML, real IPVS): every runtime-control operation through lvsctl, checked with
 * ipvsadm in the guest: drain keeps weight 0 (not deleted after resyncs), maint removes, weight N
 * and N% override, reset restores, ready after drain ramps through slow start, a whole virtual
 * server drains, check probes now, and overrides survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRoot } from '../support/root.js';
import { runUml, type UmlResult } from '../support/uml.js';
import { parseResults, readText } from './daemon-results.js';
import { RS, runtimeControlScript } from './runtime-control-scenario.js';

describe.skipIf(!hasRoot('kernel: runtime control checked by ipvsadm in UML'))(
  'runtime control on real IPVS (UML)',
  () => {
    let r: UmlResult;
    let res: Record<string, string>;
    const f = (name: string) => readText(r, name);

    beforeAll(async () => {
      r = await runUml({ name: 'runtime-control', script: runtimeControlScript(), timeoutMs: 300_000 });
      res = parseResults(r);
      if (!r.ok) process.stderr.write(`guest failed: ${r.log.slice(-3000)}\n${r.console.slice(-2000)}\n`);
    });
    afterAll(() => r?.cleanup());

    it('lvsd started and converged', () => {
      expect(r.ok, r.log.slice(-2000)).toBe(true);
      expect(res.started).toBe('0');
      expect(res.converged).toBe('0');
    });

    it('state drain: weight 0 in ipvsadm, still there after resyncs; the answer shows the ipvsadm rule applied', () => {
      expect(res.drain).toBe('0');
      expect(res.drain_w).toBe('0');
      expect(res.drain_kept_w).toBe('0');
      expect(f('drain.txt')).toContain(`web ${RS[0]}: ready -> drain`);
      expect(f('drain.txt')).toContain(`ipvsadm -e -t 10.0.1.100:80 -r ${RS[0]} -m -w 0`);
    });

    it('state maint removes the server; weight 7 and 50% override; reset restores', () => {
      expect(res.maint_w).toBe('');
      expect(f('maint.txt')).toContain(`ipvsadm -d -t 10.0.1.100:80 -r ${RS[1]}`);
      expect(res.weight7_w).toBe('7');
      expect(res.weight50pct_w).toBe('50');
      expect(res.reset_w).toBe('100');
      expect(f('show.txt')).toContain(RS[0]);
      expect(f('show.txt')).not.toContain(RS[2]);
    });

    it('ready after drain ramps through slow start to the full weight', () => {
      const ramp = f('ramp.txt').trim().split('\n').map(Number);
      expect(ramp[0]).toBeGreaterThan(0);
      expect(ramp[0]).toBeLessThan(100);
      expect(ramp[ramp.length - 1]).toBe(100);
      for (let i = 1; i < ramp.length; i++) expect(ramp[i]).toBeGreaterThanOrEqual(ramp[i - 1]!);
      expect(res.back_rc).toBe('0');
    });

    it('a whole virtual server drains; check probes now; overrides survive a restart', () => {
      expect(res.vsdrain_w).toBe('0 0 0');
      expect(res.check).toBe('0');
      expect(
        f('check.txt')
          .trim()
          .split('\n')
          .filter((l) => / ok in /.test(l)),
      ).toHaveLength(3);
      expect(res.stop_code).toBe('0');
      expect(res.restarted).toBe('0');
      expect(res.restart_w).toBe('0');
    });
  },
);
