/**
 * The lab's verdict: what each story step expected and saw, and the final summary (requests,
 * failures, measured times). Pure: the story fills it in; the host reads summary.json.
 */
import type { ClientReport } from './client.js';

/** One expectation of a step and whether it held. */
export interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

/** A story step and its checks; a step passes when every check holds (and it has at least one). */
export interface StepResult {
  step: number;
  title: string;
  checks: Check[];
}

/** Times measured inside the guest (UML: relative figures, not absolute). */
export interface Timings {
  backendOutMs?: number; // backend killed → its weight 0 in IPVS
  backendBackMs?: number; // backend restarted → weight > 0 again
  slowStartMs?: number; // first weight > 0 → full weight
  vrrpMasterMs?: number; // master LB gone → the backup's lvsd logs BACKUP -> MASTER
  vipMoveMs?: number; // master LB gone → VIP seen on the backup (polling `ip addr`, an upper bound)
  trafficGapMs?: number; // longest time without a successful answer around the failover
  reloadMs?: number; // SIGHUP → new service in the kernel table with live backends
}

/** What the lab writes to summary.json and prints last. */
export interface Summary {
  ok: boolean;
  sent: number;
  failed: number;
  byBackend: Record<string, number>;
  timings: Timings;
  steps: StepResult[];
  /** Set when the story could not run to the end (e.g. lvsd did not start). */
  aborted?: string;
}

/** True when the step has checks and all of them held. */
export function stepOk(s: StepResult): boolean {
  return s.checks.length > 0 && s.checks.every((c) => c.ok);
}

/** Builds the summary; `ok` requires at least one step, every recorded step passing, and no abort. */
export function summarize(steps: StepResult[], report: ClientReport, timings: Timings, aborted?: string): Summary {
  const ok = !aborted && steps.length > 0 && steps.every(stepOk);
  return { ok, sent: report.sent, failed: report.failed, byBackend: { ...report.byBackend }, timings, steps, aborted };
}

/** The running count line: requests per backend and failures. */
export function countsLine(r: ClientReport): string {
  const names = Object.keys(r.byBackend).sort();
  const per = names.map((n) => `${n} ${r.byBackend[n]}`).join('  ');
  return `    │ ${per || '(no answers yet)'}  │ failed ${r.failed} of ${r.sent}`;
}

const TIMING_TEXT: Array<[keyof Timings, string]> = [
  ['backendOutMs', 'backend killed → out of rotation (weight 0)'],
  ['backendBackMs', 'backend restarted → back in rotation'],
  ['slowStartMs', 'slow start: first weight → full weight'],
  ['vrrpMasterMs', 'master LB lost → backup lvsd becomes VRRP master (its log)'],
  ['vipMoveMs', 'master LB lost → VIP seen on the backup (VRRP failover, polled)'],
  ['trafficGapMs', 'longest gap between answers during the failover'],
  ['reloadMs', 'SIGHUP → added service live in IPVS'],
];

/** Human-readable summary lines (step verdicts, totals, measured times). */
export function formatSummary(s: Summary): string[] {
  const lines = ['', '== Summary =='];
  for (const st of s.steps) {
    lines.push(`${stepOk(st) ? 'PASS' : 'FAIL'}  ${st.step}. ${st.title}`);
    for (const c of st.checks) lines.push(`        ${c.ok ? '✓' : '✗'} ${c.what}${c.detail ? ` (${c.detail})` : ''}`);
  }
  if (s.aborted) lines.push(`ABORTED: ${s.aborted}`);
  lines.push(`requests sent ${s.sent}, failed ${s.failed}`);
  lines.push(
    `answers per backend: ${
      Object.entries(s.byBackend)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
  );
  lines.push('times measured inside user-mode Linux (compare them with each other, not with real hardware):');
  for (const [k, text] of TIMING_TEXT) {
    const v = s.timings[k];
    lines.push(`    ${text}: ${v === undefined ? 'not measured' : `${(v / 1000).toFixed(2)} s`}`);
  }
  lines.push(s.ok ? 'RESULT: every step behaved as expected' : 'RESULT: FAILED (see the ✗ lines above)');
  return lines;
}
