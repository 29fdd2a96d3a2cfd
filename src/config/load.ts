/**
 * Loading the config: file → TOML → `configSchema`. Never throws: every problem (unreadable file,
 * TOML syntax with line and column, every schema and cross-field problem at once) comes back as a
 * `ConfigProblem` naming its key path, e.g. `virtual_server[0] (web).real_server[2].port`.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { ownStrings } from './own-strings.js';
import { capMessage } from '../util/quote.js';
import { readRegularFile } from '../util/regular-file.js';
import { isTable } from './fields.js';
import type { Config, ConfigProblem } from './types.js';
import { configSchema } from './validate.js';

/** The outcome of loading: a normalized config and the text it came from, or every problem. */
export type LoadResult = { ok: true; config: Config; text: string } | { ok: false; problems: ConfigProblem[] };

/** Parses and validates config text. `source` names it in messages (a path or "<stdin>"). Never throws. */
export function parseConfig(text: string, source: string): LoadResult {
  let raw: unknown;
  try {
    raw = ownStrings(parseToml(text));
  } catch (e) {
    return { ok: false, problems: [syntaxProblem(e)] };
  }
  const r = validateParsed(raw, source);
  return r.ok ? { ...r, text } : r;
}

/** Validates parsed TOML (plain objects, own strings) as parseConfig does after parsing. Never throws. */
export function validateParsed(
  raw: unknown,
  source: string,
): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  try {
    const r = configSchema.safeParse(raw);
    if (r.success) return { ok: true, config: r.data };
    // capMessage: the last guard against a value quoted whole (every message quotes with util/quote.ts)
    return {
      ok: false,
      problems: r.error.issues.map((i) => ({
        path: capMessage(formatPath(raw, i.path)),
        message: capMessage(i.message),
      })),
    };
  } catch (e) {
    // A bug in a validator must not take the daemon down on reload: report it as a problem.
    return {
      ok: false,
      problems: [{ path: '', message: `internal error while validating ${source}: ${(e as Error)?.stack ?? e}` }],
    };
  }
}

/** Largest config file read (10,000 real servers take about 1 MB). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * Reads and parses a config file. Missing, unreadable, not a regular file (a FIFO would block,
 * /dev/zero never ends) or larger than MAX_CONFIG_BYTES → a problem; never throws.
 */
export async function loadConfigFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readRegularFile(path, MAX_CONFIG_BYTES);
  } catch (e) {
    return { ok: false, problems: [{ path: '', message: fileError(path, e as NodeJS.ErrnoException) }] };
  }
  return parseConfig(text, path);
}

/** One line per problem: `source: path: message`, or `source:line:column: message` for syntax errors. */
export function formatProblems(source: string, problems: ConfigProblem[]): string {
  return problems
    .map((p) => {
      if (p.line !== undefined) return `${source}:${p.line}:${p.column ?? 1}: ${p.message}`;
      return p.path ? `${source}: ${p.path}: ${p.message}` : `${source}: ${p.message}`;
    })
    .join('\n');
}

/** The problem message of a config file that cannot be read. */
export function fileError(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return `cannot read config file ${path}: no such file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read config file ${path}: permission denied`;
    case 'EISDIR':
      return `cannot read config file ${path}: it is a directory, not a file`;
    case 'ENOTREG':
    case 'EFBIG':
      return `cannot read config file ${path}: ${e.message}`;
    default:
      return `cannot read config file ${path}: ${e.code ?? ''} ${e.message}`.trim();
  }
}

function syntaxProblem(e: unknown): ConfigProblem {
  if (!(e instanceof TomlError))
    return { path: '', message: `TOML syntax error: ${(e as Error)?.message ?? String(e)}` };
  // smol-toml's message is "Invalid TOML document: <what>" followed by a code block quoting the
  // file; keep only <what>, so a problem stays one line and no config text reaches the log.
  const what = e.message.split('\n', 1)[0]!.replace(/^Invalid TOML document: /, '');
  return {
    path: '',
    message: `TOML syntax error at line ${e.line}, column ${e.column}: ${what}`,
    line: e.line,
    column: e.column,
  };
}

/** A table name as shown in a key path: as is when plain, else quoted and cut (no control characters in logs). */
function printableName(name: string): string {
  if (/^[A-Za-z0-9_.:-]{0,64}$/.test(name)) return name;
  const q = JSON.stringify(name);
  return q.length > 40 ? `${q.slice(0, 39)}…"` : q;
}

/** `virtual_server[0] (web).real_server[2].port` from a zod path, naming tables that have a name. */
export function formatPath(raw: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  let cur: unknown = raw;
  for (const seg of path) {
    cur = isTable(cur) || Array.isArray(cur) ? (cur as Record<PropertyKey, unknown>)[seg] : undefined;
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      if (isTable(cur) && typeof cur.name === 'string') out += ` (${printableName(cur.name)})`;
    } else {
      const key = /^[A-Za-z0-9_-]{1,64}$/.test(String(seg))
        ? String(seg)
        : printableName(String(seg)).replace(/^(?!")(.*)$/, '"$1"');
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}
