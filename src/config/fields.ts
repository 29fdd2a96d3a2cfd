/**
 * Building blocks of the config schema: zod fields whose error messages read like
 * `expected an integer 1-65535, got "80a"`, a "did you mean" helper, and the docs registry from
 * which docs/config.md is generated (src/config/docs.ts).
 */
import { showValue } from '../util/zod-message.js';
import { isIP } from 'node:net';
import { z } from 'zod';
import { quote } from '../util/quote.js';

/** What docs/config.md says about one key. `type` and `default` override what the walker derives. */
export interface KeyDoc {
  description: string;
  example: string;
  type?: string;
  default?: string;
}

/** Registry of documented keys: every key of the lvsd-owned tables registers here. */
export const docs = z.registry<KeyDoc>();

/** Registers `info` for `schema` in the docs registry and returns the schema unchanged. */
export function doc<T extends z.ZodType>(schema: T, info: KeyDoc): T {
  docs.add(schema, info);
  return schema;
}

/**
 * Edit distance counting an adjacent transposition as one edit (optimal string alignment), so the
 * common typo "imcp" is 1 away from "icmp" (plain Levenshtein says 2, tied with "tcp").
 */
export function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest candidate to `word` if it is a plausible typo (distance ≤ 1 for words of up to 3 letters, else ≤
 * max(2, len/3)); first wins ties.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const limit = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  const w = word.toLowerCase();
  let best: string | undefined,
    bestD = limit + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - w.length) >= bestD) continue; // cannot beat the best so far
    const dd = typoDistance(w, c.toLowerCase());
    if (dd < bestD) ((best = c), (bestD = dd));
  }
  return best;
}

/** `; did you mean "x"?` or the empty string. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const m = didYouMean(word, candidates);
  return m === undefined ? '' : `; did you mean "${m}"?`;
}

/** An integer in [min, max]; any failure reads `expected an integer min-max, got <input>`. */
export function int(min: number, max: number): z.ZodNumber {
  const error = (iss: { input?: unknown }) => `expected an integer ${min}-${max}, got ${showValue(iss.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A boolean; failure reads `expected true or false, got <input>`. */
export function bool(): z.ZodBoolean {
  return z.boolean({ error: (iss) => `expected true or false, got ${showValue(iss.input)}` });
}

/** A non-empty string matching `re`, described as `what` in messages. */
export function text(what: string, re: RegExp = /^[\s\S]+$/): z.ZodString {
  const error = (iss: { input?: unknown }) => `expected ${what}, got ${showValue(iss.input)}`;
  return z.string({ error }).regex(re, { error });
}

/** One of `values`; failure lists them and suggests the closest. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, {
    error: (iss) => {
      const got = iss.input;
      const hint = typeof got === 'string' ? suggestion(got, values) : '';
      return `expected one of ${values.join(', ')}, got ${showValue(got)}${hint}`;
    },
  });
}

/** An IPv4 or IPv6 address (any textual form the kernel accepts; canonicalised later). */
export function ipAddress(): z.ZodString {
  const error = (iss: { input?: unknown }) => `expected an IPv4 or IPv6 address, got ${showValue(iss.input)}`;
  return z.string({ error }).refine((s) => isIP(s) !== 0, { error });
}

/** A strict table whose unknown keys are reported one by one, each with a "did you mean". */
export function table<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return unknownKeysMessage(iss.keys, known);
      if (iss.code === 'invalid_type') return `expected a table, got ${showValue(iss.input)}`;
      return undefined;
    },
  });
}

/** `unknown key "prot"; did you mean "port"?` for each key, joined. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys.map((k) => `unknown key ${quote(k)}${suggestion(k, known)}`).join('; ');
}

/** True for a plain object (a TOML table), not an array or a date. */
export function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}
