import { describe, expect, it } from 'vitest';
import { countsLine, formatSummary, stepOk, summarize, type StepResult } from '../../../src/lab/summary.js';
import { backendLabel } from '../../../src/lab/client.js';

const report = { sent: 120, failed: 3, byBackend: { be2: 40, be1: 41, be3: 36 }, maxGapMs: 1800, failures: [] };
const pass: StepResult = { step: 1, title: 'spread', checks: [{ what: 'be1 answers', ok: true }] };
const fail: StepResult = {
  step: 2,
  title: 'backend',
  checks: [
    { what: 'out in time', ok: true },
    { what: 'slow start', ok: false, detail: '100' },
  ],
};

describe('lab verdict', () => {
  it('passes only when every step has checks and all hold', () => {
    expect(stepOk(pass)).toBe(true);
    expect(stepOk(fail)).toBe(false);
    expect(stepOk({ step: 3, title: 'empty', checks: [] })).toBe(false);
    expect(summarize([pass], report, {}).ok).toBe(true);
    expect(summarize([pass, fail], report, {}).ok).toBe(false);
    expect(summarize([], report, {}).ok).toBe(false);
    expect(summarize([pass], report, {}, 'lvsd exited').ok).toBe(false);
  });

  it('prints each check, the totals and every measured time, saying when one was not measured', () => {
    const text = formatSummary(summarize([pass, fail], report, { vipMoveMs: 1734, backendOutMs: 1210 })).join('\n');
    expect(text).toContain('PASS  1. spread');
    expect(text).toContain('FAIL  2. backend');
    expect(text).toContain('✗ slow start (100)');
    expect(text).toContain('requests sent 120, failed 3');
    expect(text).toContain('VRRP failover, polled): 1.73 s');
    expect(text).toContain('out of rotation (weight 0): 1.21 s');
    expect(text).toContain('SIGHUP → added service live in IPVS: not measured');
    expect(text).toContain('RESULT: FAILED');
  });

  it('running count line lists backends in order with failures', () => {
    expect(countsLine(report)).toBe('    │ be1 41  be2 40  be3 36  │ failed 3 of 120');
    expect(countsLine({ sent: 0, failed: 0, byBackend: {}, maxGapMs: 0, failures: [] })).toContain('(no answers yet)');
  });

  it('labels answers by backend name, with the port when it is not 80', () => {
    expect(backendLabel('be1\n', 'http://10.99.0.50/')).toBe('be1');
    expect(backendLabel('be3\n', 'http://10.99.0.50:8080/')).toBe('be3:8080');
    expect(backendLabel('', 'http://10.99.0.50/')).toBe('(empty)');
  });
});
