/**
 * Turns zod issues and cross-field problems into one list of issues with readable messages: unknown
 * keys one by one with "did you mean", unknown check kinds named, union failures merged, and the
 * offending value shown where zod's message lacks it. Duplicates are dropped.
 */
import type { z } from 'zod';
import { suggestion } from './fields.js';
import type { RuleProblem } from './rules.js';
import { discriminatorValues, knownKeysAt, schemasAt } from './walk.js';
import { quote } from '../util/quote.js';
import { plainMessage, showValue } from '../util/zod-message.js';

type Issue = z.core.$ZodIssue;
type Out = { path: PropertyKey[]; message: string };

/** Key of a problem for duplicate detection. */
const keyOf = (path: readonly PropertyKey[], message: string) => `${path.map(String).join('.')}\u0000${message}`;

/**
 * True for a problem in a real server's merged check that the virtual server's own check already
 * has (same key, same message) and that the real server's override did not touch: it is reported
 * once, at the virtual server's check, not once per real server.
 */
function inherited(p: Out, raw: unknown, all: ReadonlySet<string>): boolean {
  const [vsKey, i, rsKey, j, check, key, ...rest] = p.path;
  if (vsKey !== 'virtual_server' || rsKey !== 'real_server' || check !== 'check' || typeof key !== 'string')
    return false;
  if (!all.has(keyOf(['virtual_server', i!, 'check', key, ...rest], p.message))) return false;
  const vs = (raw as { virtual_server?: Array<{ real_server?: Array<{ check?: unknown }> }> })?.virtual_server?.[
    i as number
  ];
  const own = vs?.real_server?.[j as number]?.check;
  return own !== null && typeof own === 'object' && !(key in own);
}

/** Adds every field issue and cross-field problem to `ctx`, each once, with the messages above. */
export function issuesToZod(
  ctx: z.RefinementCtx,
  issues: readonly Issue[],
  cross: readonly RuleProblem[],
  root: z.ZodType,
  raw?: unknown,
): void {
  const seen = new Set<string>();
  const fields = issues.flatMap((i) => readable(i, root));
  const index = new Set(fields.map((p) => keyOf(p.path, p.message)));
  const all = [...fields.filter((p) => !inherited(p, raw, index)), ...cross];
  for (const p of all) {
    const k = keyOf(p.path, p.message);
    if (seen.has(k)) continue;
    seen.add(k);
    ctx.addIssue({ code: 'custom', path: p.path as (string | number)[], message: p.message });
  }
}

function readable(i: Issue, root: z.ZodType): Out[] {
  if (i.code === 'unrecognized_keys') {
    const known = knownKeysAt(root, i.path);
    return i.keys.map((k) => ({
      path: [...i.path, k],
      message: `unknown key ${quote(k)}${suggestion(k, known)}`,
    }));
  }
  const input = (i as { input?: unknown }).input;
  if (i.code === 'invalid_union') return [{ path: i.path, message: unionMessage(i, root) }];
  if (i.code === 'invalid_type' && input === undefined) return [{ path: i.path, message: 'missing (required)' }];
  return [{ path: i.path, message: plainMessage(i, input) ?? withInput(i.message, input) }];
}

function unionMessage(i: Extract<Issue, { code: 'invalid_union' }>, root: z.ZodType): string {
  const disc = (i as { discriminator?: string }).discriminator;
  const input = (i as { input?: unknown }).input;
  if (disc) {
    const at = i.path[i.path.length - 1] === disc ? i.path.slice(0, -1) : i.path;
    const values = schemasAt(root, at).flatMap((s) => discriminatorValues(s, disc));
    const got = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[disc] : input;
    if (values.length === 0 || got === undefined) return i.message;
    const hint = typeof got === 'string' ? suggestion(got, values) : '';
    return `expected one of ${values.join(', ')}, got ${showValue(got)}${hint}`;
  }
  const plain = plainMessage(i, input);
  if (plain) return plain;
  const msgs = [...new Set(i.errors.map((branch) => branch[0]?.message).filter((m): m is string => !!m))];
  return msgs.length > 0 ? msgs.join(', or ') : withInput('invalid value', input);
}

function withInput(message: string, input: unknown): string {
  if (input === undefined || /\bgot\b/.test(message)) return message;
  if (input !== null && typeof input === 'object') return message;
  return `${message}, got ${showValue(input)}`;
}
