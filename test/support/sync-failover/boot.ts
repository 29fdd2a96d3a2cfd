/**
 * Boots one user-mode Linux guest that runs failover scenarios one after the other (each in its
 * own $OUT/<dir>), and reads a scenario's results back: the guest's key=value results, the client's
 * report, and the outcome of the failover and of the failback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LongConnsReport } from '../../../src/lab/long-conns.js';
import { runUml, snapshotBuild, type UmlResult } from '../uml.js';
import { lvsdConfigs } from './configs.js';
import { eventOutcome } from './results.js';
import { failoverScript, type FailoverOptions } from './scenario.js';

/** Reads one scenario's results (results.txt as key=value, the client's report). */
export function scenarioResults(r: UmlResult, dir: string) {
  const res: Record<string, string> = {};
  for (const l of readFileSync(join(r.outDir, dir, 'results.txt'), 'utf8').split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) res[l.slice(0, i)] = l.slice(i + 1);
  }
  const report = JSON.parse(readFileSync(join(r.outDir, dir, 'client.json'), 'utf8')) as LongConnsReport;
  const failover = eventOutcome(report, Number(res.crash_ms), Number(res.return_ms));
  const failback = eventOutcome(report, Number(res.return_ms), report.endedAt);
  const text = (f: string) => readFileSync(join(r.outDir, dir, f), 'utf8');
  return { res, report, failover, failback, text };
}

/** Runs the scenarios one after the other in one guest. */
export async function bootScenarios(name: string, runs: Array<[string, FailoverOptions]>): Promise<UmlResult> {
  const snap = snapshotBuild();
  try {
    const script = runs.map(([dir, o]) => failoverScript(o, lvsdConfigs(o), dir)).join('\n') + '\nexit 0\n';
    const r = await runUml({ name, script, timeoutMs: 1_500_000, mem: '1024M', env: { LVSD_BIN: snap.bin } });
    if (!r.ok) throw new Error(`guest failed (exit ${r.exitCode}, timedOut ${r.timedOut}):\n${r.log.slice(-3000)}`);
    return r;
  } finally {
    snap.cleanup();
  }
}
