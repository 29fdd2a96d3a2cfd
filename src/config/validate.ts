/**
 * Parsed TOML (plain objects) → normalized `Config`, as one zod schema (`configSchema`): check
 * inheritance (a real server's check merged over its virtual server's), the field schemas
 * (schema.ts; plain real-server tables take the fast path of plain-real-server.ts), the cross-field
 * rules (rules.ts), every problem of both kinds reported at once with its key path (issues.ts),
 * then normalization (normalize.ts): durations in ms, addresses canonical, defaults applied.
 */
import { z } from 'zod';
import { isTable } from './fields.js';
import { issuesToZod } from './issues.js';
import { inheritChecks, normalize } from './normalize.js';
import { plainRealServers, type PlainRealServer } from './plain-real-server.js';
import { crossRules } from './rules.js';
import { fileSchema } from './schema.js';
import type { Config } from './types.js';
import { viewOfFile, viewOfValid } from './view.js';

/** Parsed TOML → normalized `Config`; field and cross-field problems together, each at its key path. */
export const configSchema: z.ZodType<Config, unknown> = z.unknown().transform((raw, ctx) => {
  const { merged, plain, parsed } = parseFields(raw);
  const cross = crossRules(parsed.success ? viewOfValid(parsed.data, plain, merged) : viewOfFile(merged));
  issuesToZod(ctx, parsed.success ? [] : parsed.error.issues, cross, fileSchema, raw);
  if (!parsed.success || cross.length > 0) return z.NEVER;
  for (const [i, list] of plain) parsed.data.virtual_server[i]!.real_server = list;
  return normalize(parsed.data);
});

/**
 * The field schemas over parsed TOML: `merged` is the file with checks inherited, `parsed` fileSchema's
 * result for it with the plain real-server lists set aside, `plain` those lists, already validated.
 */
export function parseFields(raw: unknown) {
  const merged = inheritChecks(raw);
  const { rest, plain } = setAsidePlainRealServers(merged);
  return { merged, plain, parsed: fileSchema.safeParse(rest, { reportInput: true }) };
}

/**
 * The file with every `real_server` list whose tables are all plain (plain-real-server.ts) emptied,
 * and those lists already validated: zod checks the rest. A list with one table that is not plain
 * goes through zod whole, so every problem keeps its key path.
 */
function setAsidePlainRealServers(merged: unknown): { rest: unknown; plain: Map<number, PlainRealServer[]> } {
  const plain = new Map<number, PlainRealServer[]>();
  if (!isTable(merged) || !Array.isArray(merged.virtual_server)) return { rest: merged, plain };
  const virtual_server = merged.virtual_server.map((vs, i) => {
    const list = isTable(vs) ? plainRealServers(vs.real_server) : undefined;
    if (!list || list.length === 0) return vs;
    plain.set(i, list);
    return { ...vs, real_server: [] };
  });
  return { rest: { ...merged, virtual_server }, plain };
}
