/**
 * Plain words for zod's own messages: "Invalid input: expected number, received string" becomes
 * `expected number, got "x"`, "Invalid input: expected 2" (a literal) becomes `expected 2, got 4`,
 * and a union of such branches becomes one `expected 2 or 3, got 4`. A schema's own message (set
 * with `error:`) is left as written. Pure.
 */
import type { z } from 'zod';
import { quote } from './quote.js';

type Issue = z.core.$ZodIssue;

const ZOD_DEFAULT = /^Invalid (input|option)\b/;

/** How a value is named in a message: strings quoted (long ones cut, see quote.ts), tables and arrays by kind. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return `the date ${v.toISOString()}`;
  if (v !== null && typeof v === 'object') return 'a table';
  return String(v);
}

/** What a zod-default issue expected ("number", "2 or 3", "\"pass\""); undefined for a schema's own message. */
export function expectedOf(i: Issue): string | undefined {
  if (!ZOD_DEFAULT.test(i.message)) return undefined;
  if (i.code === 'invalid_type') return i.expected;
  if (i.code === 'invalid_value') return i.values.map(showValue).join(' or ');
  return undefined;
}

/** The issue in plain words with the offending value, or undefined when zod's text is the schema's own. */
export function plainMessage(i: Issue, input: unknown): string | undefined {
  if (i.code === 'invalid_union') {
    const branches = i.errors.map((b) => (b[0] ? expectedOf(b[0]) : undefined));
    if (branches.length === 0 || branches.some((b) => b === undefined)) return undefined;
    return `expected ${[...new Set(branches)].join(' or ')}, got ${showValue(input)}`;
  }
  const e = expectedOf(i);
  return e === undefined ? undefined : `expected ${e}, got ${showValue(input)}`;
}
