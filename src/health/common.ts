/**
 * Schema pieces shared by every check kind: the common options (interval, timeout, rise, fall, initial,
 * warmup, retries, retry_delay, connect_ip, connect_port, bindto) and small validated field types
 * (regex, hex bytes, IP address, port, status ranges). Kind files compose these into their schemas.
 */
import { z } from 'zod';
import { canonicalIp } from '../../native/ip.js';
import { durationSchema } from '../util/duration.js';
import { quote } from '../util/quote.js';
import { regexProblem } from './regex.js';

/** An IPv4 or IPv6 literal (as the config's addresses, native/ip.ts); output is the address as written. */
export const ipSchema = z.string().refine((s) => canonicalIp(s) !== undefined, {
  error: (iss) =>
    `expected an IPv4 or IPv6 address, got ${typeof iss.input === 'string' ? quote(iss.input) : JSON.stringify(iss.input)}`,
});

/** A TCP/UDP port 1..65535. */
export const portSchema = z.int({ error: 'expected a port number 1-65535' }).min(1).max(65535);

/**
 * A regular expression in RE2 syntax, matched in linear time (regex.ts), at most 512 characters;
 * output stays a string (specs compare by value).
 */
export const regexSchema = z.string().check((ctx) => {
  const problem = regexProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

/** Bytes written as hex ("0a ff 10" or "0aff10"); output is the normalized lowercase hex without spaces. */
export const hexSchema = z
  .string()
  .transform((s) => s.replace(/[\s:]/g, '').toLowerCase())
  .refine((s) => s.length > 0 && /^([0-9a-f]{2})+$/.test(s), { error: 'expected hex bytes like "0a ff 10"' });

/**
 * For a field given as text or as hex (`send`/`send_hex`, `expect`/`expect_hex`): adds an issue at
 * `hexKey` ("use either <key> or <hexKey>, not both") when both are set. Use inside superRefine.
 */
export function textOrHex<K extends string, H extends string>(
  v: Partial<Record<K | H, unknown>>,
  ctx: { addIssue(issue: { code: 'custom'; path: string[]; message: string }): void },
  key: K,
  hexKey: H,
): void {
  if (v[key] !== undefined && v[hexKey] !== undefined)
    ctx.addIssue({ code: 'custom', path: [hexKey], message: `use either ${key} or ${hexKey}, not both` });
}

/** An inclusive HTTP status range. */
export type StatusRange = [number, number];

/** Parses "200", 200 or "200-299" into a range; throws a message naming the bad entry. */
export function parseStatusRange(v: string | number): StatusRange {
  const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(String(v));
  if (!m) throw new Error(`bad status "${v}": expected a code like 200 or a range like "200-299"`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 100 || hi > 599) throw new Error(`bad status "${v}": codes are 100-599`);
  if (lo > hi) throw new Error(`bad status range "${v}": start is after end`);
  return [lo, hi];
}

const statusItem = z.union([z.int(), z.string()]).transform((v, ctx) => {
  try {
    return parseStatusRange(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** One status, a range, or a list of them → list of inclusive ranges. */
export const statusSchema = z
  .preprocess(
    (v) => (Array.isArray(v) || v === undefined ? v : [v]),
    z.array(statusItem).min(1, 'expect_status must not be empty'),
  )
  .default([[200, 399]]);

/** Common options of every check; `timeout` is filled from `interval` by schema.ts when absent. */
export const commonShape = {
  /** Time between probe rounds (default 2s, like HAProxy's inter). */
  interval: durationSchema.default(2000),
  /** Deadline of one probe attempt (default min(1s, interval); must not exceed interval). */
  timeout: durationSchema.optional(),
  /** Consecutive successes to go up (default 2, like HAProxy). */
  rise: z.int().min(1, 'rise must be at least 1').max(1000).default(2),
  /** Consecutive failures to go down (default 3, like HAProxy). */
  fall: z.int().min(1, 'fall must be at least 1').max(1000).default(3),
  /** State before the first verdict: "up" (keepalived's default) or "down" until proven (keepalived's alpha). */
  initial: z.enum(['up', 'down']).default('up'),
  /** Spread the first probe of each target randomly over one interval (default true). */
  warmup: z.boolean().default(true),
  /** Extra attempts within one round before the round counts as a failure (keepalived's retry; default 0). */
  retries: z.int().min(0).max(10).default(0),
  /** Pause before each retry (default 100ms). */
  retry_delay: durationSchema.default(100),
  /** Probe this address instead of the real server's. */
  connect_ip: ipSchema.optional(),
  /** Probe this port instead of the real server's. */
  connect_port: portSchema.optional(),
  /** Local source address to bind. */
  bindto: ipSchema.optional(),
};
