/**
 * `lvsd ipvs restore`: ipvsadm rules in, batched kernel writes out. Two phases, so a bad file
 * changes nothing: `validateRules` parses AND encodes every line (each problem names its line) into
 * PackedRules; only then `applyRules` sends them in file order, 100 per sendto, each line with its
 * own ACK/errno, and reports per line what was applied and what was not.
 */
import { encodeOp, encodeSetConfig, type IpvsRequest } from './codec.js';
import { IpvsError, RulesError } from './errors.js';
import { PackedRulesBuilder, requestsOf, ruleText, type PackedRules } from './packed-rules.js';
import { parseRule } from './rules.js';
import type { OpResult } from './types.js';

export type { PackedRules } from './packed-rules.js';

/** What applying needs of a client (IpvsClient satisfies it). */
export interface RuleSink {
  applyRequests(reqs: readonly IpvsRequest[], opts?: { perSend?: number }): Promise<OpResult[]>;
}

/** Outcome of a restore: line numbers applied, and each failed line with the kernel's error. */
export interface RestoreReport {
  total: number;
  applied: number[];
  failed: Array<{ line: number; text: string; error: Error & { code?: string } }>;
}

/** Parses and encodes line `t` (number `line`); null for blank and comment lines. Throws RulesError. */
function encodeLine(t: string, line: number): IpvsRequest | null {
  const r = parseRule(t, line);
  if (r === null) return null;
  try {
    return r.kind === 'set' ? encodeSetConfig(r.timeouts) : encodeOp(r.op);
  } catch (e) {
    if (e instanceof IpvsError) throw new RulesError(line, e.message);
    throw e;
  }
}

/**
 * Parses and encodes every line of a rules file. Returns the packed rules, and every error found
 * in line order (each naming its line); the rules are only meant to be sent when there is none.
 */
export function validateRules(text: string): { rules: PackedRules; errors: RulesError[] } {
  const b = new PackedRulesBuilder(text);
  const errors: RulesError[] = [];
  for (let start = 0, line = 1; start < text.length; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end; // CRLF files
    try {
      const req = encodeLine(text.slice(start, stop), line);
      if (req) b.add(line, start, stop, req);
    } catch (e) {
      if (e instanceof RulesError) errors.push(e);
      else throw e;
    }
    start = end + 1;
  }
  return { rules: b.build(), errors };
}

/**
 * Sends packed rules in file order, `perSend` per sendto; never rejects for a kernel refusal (it lands in
 * `failed`).
 */
export async function applyRules(
  sink: RuleSink,
  rules: PackedRules,
  opts: { perSend?: number } = {},
): Promise<RestoreReport> {
  const report: RestoreReport = { total: rules.count, applied: [], failed: [] };
  const per = Math.max(1, opts.perSend ?? 100);
  for (let from = 0; from < rules.count; from += per) {
    const to = Math.min(rules.count, from + per);
    const results = await sink.applyRequests(
      requestsOf(
        rules,
        from,
        to,
        (i) => encodeLine(rules.text.slice(rules.textStart[i], rules.textEnd[i]), rules.lineNo[i])!.op,
      ),
      opts,
    );
    results.forEach((r, k) => {
      const i = from + k;
      if (r.ok) report.applied.push(rules.lineNo[i]);
      else report.failed.push({ line: rules.lineNo[i], text: ruleText(rules, i), error: r.error });
    });
  }
  return report;
}

/** "1-3,5,7-9" for sorted line numbers. */
export function lineRanges(nums: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nums.length;) {
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
