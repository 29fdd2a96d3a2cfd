/**
 * Values quoted in error and log messages are cut: a 10 MB string in a config file or a control
 * request must not become a 10 MB log line. `quote` is JSON.stringify for short strings, and the
 * start of the string plus its length for long ones (pure).
 */

/** Longest string quoted whole. */
export const QUOTE_MAX = 64;

/** `"text"`, or `"first 64 characters…" (12345 characters)` for a longer one. */
export function quote(s: string, max = QUOTE_MAX): string {
  if (s.length <= max) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, max)).slice(0, -1)}…" (${s.length} characters)`;
}

/** Longest message kept whole by `capMessage`. */
export const MESSAGE_MAX = 1000;

/** A message cut to `max` characters (a last guard for texts built from several values). */
export function capMessage(m: string, max = MESSAGE_MAX): string {
  return m.length <= max ? m : `${m.slice(0, max)}… (${m.length - max} more characters)`;
}
