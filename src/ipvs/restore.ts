/**
 * `lvsd ipvs restore`: ipvsadm rules in, batched kernel writes out. Two phases, so a bad file
 * changes nothing: `validateRules` parses AND encodes every line (each problem names its line);
 * only then `applyRules` sends them, 100 per sendto, each line with its own ACK/errno, and reports
 * per line what was applied and what was not.
 */
import { encodeOp, type IpvsRequest, type Timeouts } from './codec.js';
import { IpvsError, RulesError } from './errors.js';
import { parseRules, type RuleLine } from './rules.js';
import type { OpResult } from './types.js';

/** What applying needs of a client (IpvsClient satisfies it). */
export interface RuleSink {
  applyRequests(reqs: readonly IpvsRequest[], opts?: { perSend?: number }): Promise<OpResult[]>;
  setTimeouts(t: Timeouts): Promise<void>;
}

/** A parsed line ready to send: op lines carry their encoded request. */
export type ValidLine = RuleLine & { req?: IpvsRequest };

/** Outcome of a restore: line numbers applied, and each failed line with the kernel's error. */
export interface RestoreReport {
  total: number;
  applied: number[];
  failed: Array<{ line: number; text: string; error: Error & { code?: string } }>;
}

/** Parses and encodes every line; returns the lines, or every error found (each naming its line). */
export function validateRules(text: string): { lines: ValidLine[]; errors: RulesError[] } {
  const { lines, errors } = parseRules(text);
  for (const l of lines as ValidLine[]) {
    if (l.kind !== 'op') continue;
    try {
      l.req = encodeOp(l.op);
    } catch (e) {
      if (!(e instanceof IpvsError)) throw e;
      errors.push(new RulesError(l.line, e.message));
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { lines, errors };
}

/** Runs of consecutive op lines, with `--set` lines on their own, in file order. */
function segments(lines: ValidLine[]): ValidLine[][] {
  const out: ValidLine[][] = [];
  for (const l of lines) {
    const last = out[out.length - 1];
    if (l.kind === 'op' && last && last[0].kind === 'op') last.push(l);
    else out.push([l]);
  }
  return out;
}

/** Applies validated lines in order; never rejects for a kernel refusal (it lands in `failed`). */
export async function applyRules(sink: RuleSink, lines: ValidLine[], opts: { perSend?: number } = {}): Promise<RestoreReport> {
  const report: RestoreReport = { total: lines.length, applied: [], failed: [] };
  for (const seg of segments(lines)) {
    const first = seg[0];
    if (first.kind === 'set') {
      try {
        await sink.setTimeouts(first.timeouts);
        report.applied.push(first.line);
      } catch (e) {
        report.failed.push({ line: first.line, text: first.text.trim(), error: e as Error });
      }
      continue;
    }
    const results = await sink.applyRequests(seg.map((l) => l.req ?? encodeOp((l as RuleLine & { kind: 'op' }).op)), opts);
    results.forEach((r, i) => (r.ok ? report.applied.push(seg[i].line) : report.failed.push({ line: seg[i].line, text: seg[i].text.trim(), error: r.error })));
  }
  return report;
}

/** "1-3,5,7-9" for sorted line numbers. */
export function lineRanges(nums: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nums.length; ) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    parts.push(i === j ? `${nums[i]}` : `${nums[i]}-${nums[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Human report of a partial restore (empty string when everything was applied). */
export function formatReport(r: RestoreReport): string {
  if (r.failed.length === 0) return '';
  const lines = [`${r.applied.length} of ${r.total} rules applied, ${r.failed.length} refused by the kernel`];
  lines.push(`applied lines: ${r.applied.length ? lineRanges(r.applied) : 'none'}`);
  for (const f of r.failed) lines.push(`line ${f.line}: NOT applied: ${f.text}: ${f.error.message}`);
  return lines.join('\n') + '\n';
}
