/**
 * Boots one user-mode Linux guest that runs failover scenarios one after the other (each in its
 * own $OUT/<dir>), and reads a scenario's results back: the guest's key=value results, the client's
 * report, and the outcome of the failover and of the failback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LongConnsReport } from '../../../src/lab/long-conns.js';
import { runUml, snapshotBuild, type UmlResult } from '../uml.js';
import { keepalivedConfigs, lvsdConfigs } from './configs.js';
import { eventOutcome, pausesIn } from './results.js';
import { failoverScript, type FailoverOptions } from './scenario.js';

/** Reads one scenario's results (results.txt as key=value, the client's report). */
export function scenarioResults(r: UmlResult, dir: string) {
  const res: Record<string, string> = {};
  for (const l of readFileSync(join(r.outDir, dir, 'results.txt'), 'utf8').split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) res[l.slice(0, i)] = l.slice(i + 1);
  }
  const report = JSON.parse(readFileSync(join(r.outDir, dir, 'client.json'), 'utf8')) as LongConnsReport;
  const crash = Number(res.crash_ms);
  const back = Number(res.lb1_back_at);
  // the failover pause: from the crash on; the failback pause: around lb1 taking the VIP back (seen
  // within 100 ms by polling), not lb1's start, which stalls the one-CPU guest on its own
  const failover = eventOutcome(report, crash, Number(res.return_ms), { from: crash, to: crash + 15_000 });
  const failback = eventOutcome(report, Number(res.return_ms), report.endedAt, { from: back - 2000, to: back + 5000 });
  // stalls of the guest in a quiet stretch before the crash: the noise floor of the pauses above
  const quiet = pausesIn(report, crash - 5500, crash - 500);
  const text = (f: string) => readFileSync(join(r.outDir, dir, f), 'utf8');
  return { res, report, failover, failback, quiet, text };
}

/**
 * Runs the scenarios one after the other in one guest (`mem`: the guest's RAM, more for thousands
 * of connections; `timeoutMs`: the guest is killed then). Rejects when the guest fails.
 */
export async function bootScenarios(
  name: string,
  runs: Array<[string, FailoverOptions]>,
  o: { mem?: string; timeoutMs?: number } = {},
): Promise<UmlResult> {
  const snap = snapshotBuild();
  try {
    const configs = (o: FailoverOptions) => (o.director === 'lvsd' ? lvsdConfigs(o) : keepalivedConfigs(o));
    const script = runs.map(([dir, o]) => failoverScript(o, configs(o), dir)).join('\n') + '\nexit 0\n';
    const r = await runUml({
      name,
      script,
      timeoutMs: o.timeoutMs ?? 1_500_000,
      mem: o.mem ?? '1024M',
      env: { LVSD_BIN: snap.bin },
    });
    if (!r.ok) throw new Error(`guest failed (exit ${r.exitCode}, timedOut ${r.timedOut}):\n${r.log.slice(-3000)}`);
    return r;
  } finally {
    snap.cleanup();
  }
}
