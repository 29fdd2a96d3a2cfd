/**
 * Durations as people write them in the config: "500ms", "1s", "1m30s", "2h", "1.5s", "0s".
 * Everything inside lvsd is milliseconds (a plain number).
 */
import { z } from 'zod';
import { quote } from './quote.js';

/**
 * Longest duration lvsd accepts for anything it waits for: Node's timers hold at most 2^31-1 ms
 * (24.8 days); a longer one fires at once, with a TimeoutOverflowWarning, over and over.
 */
export const MAX_TIMER_MS = 24 * 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration string into whole milliseconds (rounded). Accepts one or more `<number><unit>` parts
 * with units ms, s, m, h, d (e.g. "1m30s"), and a bare "0". Throws an Error naming the bad text for
 * anything else (empty, negative, missing unit, unknown unit, trailing garbage).
 */
export function parseDuration(s: string): number {
  const text = String(s).trim();
  if (text === '0') return 0;
  if (text === '') throw new Error(`expected a duration like "1s" or "500ms", got ${quote(String(s))}`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m)
      throw new Error(
        `expected a duration like "1s" or "500ms", got ${quote(String(s))} (bad part ${quote(text.slice(at))})`,
      );
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  if (!Number.isFinite(total)) throw new Error(`duration ${quote(String(s))} is too large`);
  return Math.round(total);
}

/** Formats milliseconds back into the shortest readable form ("1500ms" → "1.5s", "90000" → "1m30s"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const m = Math.floor(ms / 60_000);
  const rest = ms - m * 60_000;
  return rest === 0 ? `${m}m` : `${m}m${formatDuration(rest)}`;
}

/**
 * zod 4 schema: a duration string → milliseconds. A non-string (e.g. a bare TOML number, whose unit
 * would be a guess) or a malformed string fails with: expected a duration like "1s" or "500ms", got "...".
 * With `range`, a duration outside it fails with `range.message(text)`, which quotes the text as written.
 * Every duration is at most MAX_TIMER_MS ("24d") unless `timer` is false (a value handed to the
 * kernel, never waited for in Node).
 */
export function durationField(
  range?: { ok: (ms: number) => boolean; message: (text: string) => string },
  { timer = true }: { timer?: boolean } = {},
): z.ZodType<number, string> {
  return z
    .string({
      error: (iss) =>
        `expected a duration like "1s" or "500ms", got ${typeof iss.input === 'string' ? quote(iss.input) : (JSON.stringify(iss.input) ?? String(iss.input))}`,
    })
    .transform((s, ctx) => {
      let ms: number;
      try {
        ms = parseDuration(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "1s" or "500ms", got ${quote(s)}` });
        return z.NEVER;
      }
      if (range && !range.ok(ms)) {
        ctx.addIssue({ code: 'custom', message: range.message(s.length > 64 ? `${s.slice(0, 64)}…` : s) });
        return z.NEVER;
      }
      if (timer && ms > MAX_TIMER_MS) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at most 24d (the longest timer Node can hold), got ${quote(s)}`,
        });
        return z.NEVER;
      }
      return ms;
    });
}

/** A duration of any length (durationField without a range). */
export const durationSchema = durationField();
