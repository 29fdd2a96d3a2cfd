/**
 * Regular expressions of checks (`expect_body`, `expect`) run on text a backend sends, so they are
 * matched in linear time by RE2's algorithm (re2js, a pure-JavaScript port of RE2): no pattern and
 * no reply can make a match backtrack for seconds and stall every other probe. The cost is RE2's
 * syntax: no backreferences and no lookaround (rejected when the config is checked, with the
 * reason). Patterns are at most MAX_PATTERN_LENGTH characters and the text a pattern runs on is
 * bounded by the check (max_body_bytes with expect_body at most MAX_REGEX_INPUT, a TCP reply 64 KiB).
 */
import { RE2JS } from 're2js';
import { quote } from '../util/quote.js';

/** Longest pattern accepted. */
export const MAX_PATTERN_LENGTH = 512;

/** Most text a pattern is matched against (bytes of body or reply). */
export const MAX_REGEX_INPUT = 64 * 1024;

/** Why `src` cannot be used as a check's regular expression, or undefined when it can. */
export function regexProblem(src: string): string | undefined {
  if (src.length > MAX_PATTERN_LENGTH)
    return `regular expression is ${src.length} characters long; at most ${MAX_PATTERN_LENGTH}`;
  try {
    RE2JS.compile(src);
    return undefined;
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /Perl syntax|escape sequence/.test(why)
      ? ' (lvsd matches in linear time, RE2 syntax: no backreferences or lookaround)'
      : '';
    return `invalid regular expression ${quote(src)}: ${why}${hint}`;
  }
}

const compiled = new Map<string, RE2JS>();

/** A linear-time test for `src` (compiled once per distinct pattern); `src` must have passed regexProblem. */
export function linearRegex(src: string): (text: string) => boolean {
  let re = compiled.get(src);
  if (!re) compiled.set(src, (re = RE2JS.compile(src)));
  const r = re;
  return (text) => r.matcher(text).find();
}
