/**
 * The `check` block of the config: a discriminated union on `type`, composed from the schema each
 * kind exports from its schema file (schemas/<kind>.ts, http-schema.ts: no probe code, so validating a
 * config loads no checker), plus the common options (common.ts). Rules decided here:
 *  - interval default 2s; timeout default min(1s, interval); timeout must not exceed interval
 *    (a target never has two probes in flight; with retries, a slow round delays the next one);
 *  - rise/fall ≥ 1 (defaults 2/3, as HAProxy); initial "up" (keepalived's default) or "down" (alpha);
 *  - unknown keys are rejected (strict objects) so the config layer can suggest "did you mean".
 */
import { z } from 'zod';
import { formatDuration } from '../util/duration.js';
import { httpSchema, httpsSchema } from './http-schema.js';
import { dnsSchema } from './schemas/dns.js';
import { icmpSchema } from './schemas/icmp.js';
import { scriptSchema } from './schemas/script.js';
import { tcpSchema } from './schemas/tcp.js';
import { udpSchema } from './schemas/udp.js';
import { quote } from '../util/quote.js';
import { MAX_REGEX_INPUT } from './regex.js';

/** Every check kind, in documentation order. */
export const checkKinds: readonly string[] = ['tcp', 'http', 'https', 'icmp', 'udp', 'dns', 'script'];

const union = z.discriminatedUnion(
  'type',
  [tcpSchema, httpSchema, httpsSchema, icmpSchema, udpSchema, dnsSchema, scriptSchema],
  {
    error: (iss) => {
      if (iss.code !== 'invalid_union') return undefined;
      const t = (iss.input as { type?: unknown } | undefined)?.type;
      const kinds = checkKinds.join(', ');
      return t === undefined
        ? `check needs a type: one of ${kinds}`
        : `unknown check type ${typeof t === 'string' ? quote(t) : JSON.stringify(t)}: expected one of ${kinds}`;
    },
  },
);

/**
 * Validates one raw `check` table and fills defaults. Output durations are milliseconds, and `timeout`
 * is always set. Errors carry the key path (e.g. ["expect_body"]) and say what is wrong.
 */
export const checkSchema = union
  .superRefine((v, ctx) => {
    if (v.interval <= 0) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'interval must be more than 0' });
    if (v.timeout !== undefined && v.timeout <= 0)
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'timeout must be more than 0' });
    if ((v.type === 'http' || v.type === 'https') && v.expect_body !== undefined && v.max_body_bytes > MAX_REGEX_INPUT)
      ctx.addIssue({
        code: 'custom',
        path: ['max_body_bytes'],
        message: `with expect_body at most ${MAX_REGEX_INPUT} (the most text a regular expression runs on), got ${v.max_body_bytes}`,
      });
    if (v.timeout !== undefined && v.timeout > v.interval)
      ctx.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: `timeout (${formatDuration(v.timeout)}) must not exceed interval (${formatDuration(v.interval)})`,
      });
  })
  .transform((v) => ({ ...v, timeout: v.timeout ?? Math.min(1000, v.interval) }));

/** A validated check: the output of checkSchema. */
export type CheckSpec = z.output<typeof checkSchema>;

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Inheritance of raw TOML check tables, before validation: a real server's `check` overrides its
 * virtual server's key by key (shallow: `headers` is replaced, not merged); an override whose `type`
 * differs from the base's replaces the whole block. Missing sides yield the other side; anything that
 * is not a table is returned as the override so validation reports it.
 */
export function mergeCheck(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (base === undefined || !isTable(base) || !isTable(override)) return override;
  if (override.type !== undefined && override.type !== base.type) return { ...override };
  return { ...base, ...override };
}
