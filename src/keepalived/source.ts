/**
 * Reads a keepalived configuration into logical lines, the way keepalived's lib/parser.c does
 * before it looks at keywords: `include` (with globs and the includer/m/w/b/a variants),
 * `!` and `#` comments, `@ID` / `@^ID` conditional lines, `$NAME=VALUE` definitions (also
 * multi-line ones ending in `\`), `$NAME` / `${NAME}` substitution with the predefined `${_PWD}`,
 * `${_INSTANCE}`, `${_HASH}`, `${_BANG}`, `${_RANDOM}` and `${_ENV NAME}`, `~SEQ(...)` / `~SEQx` /
 * `~LST(...)` repetition, and `{` / `}` split off as lines of their own. Every line keeps the file
 * and line it came from. Problems keepalived refuses (a main file or checked include that cannot
 * be read, an unterminated quote, a bad ~SEQ) throw `KeepalivedSyntaxError`; ones it logs and
 * passes over become findings.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { expandRepeat } from './repeat.js';
import { Findings, KeepalivedSyntaxError, type Loc } from './findings.js';

/** File access the reader needs: the real filesystem in the CLI, an in-memory one in tests. */
export interface SourceFs {
  /** A file's text (UTF-8); throws an Error with a `code` (ENOENT, EACCES, EISDIR...) when it cannot. */
  readFile(path: string): string;
  /** Absolute paths of the files an absolute glob pattern matches, sorted; [] when none. */
  glob(pattern: string): string[];
}

/** One logical line: its text after comments, conditionals and substitution, and where it came from. */
export interface SourceLine extends Loc {
  text: string;
}

/** What the reader needs besides the file. */
export interface ReadOptions {
  fs: SourceFs;
  findings: Findings;
  /** keepalived's config id (`-i`), compared with `@ID` lines; undefined matches no `@ID`. */
  configId?: string;
  /** Environment for `${_ENV NAME}`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** include_check bits, as in keepalived. */
const READABLE = 1;
const MATCH = 2;
const WILDCARD = 4;
const BRACE = 8;
const INCLUDE_FLAGS: Record<string, number> = {
  include: 0,
  includer: READABLE,
  includem: READABLE | MATCH,
  includew: READABLE | MATCH | WILDCARD,
  includeb: READABLE | BRACE,
  includea: READABLE | MATCH | WILDCARD | BRACE,
};
const CHECK_NAMES: Record<string, number> = {
  readable: READABLE,
  match: MATCH | READABLE,
  wildcard_match: WILDCARD | READABLE,
  brace_match: BRACE | READABLE,
};
const MAX_DEPTH = 32;
const MAX_LINES = 5_000_000;

interface Definition {
  lines: string[];
  multiline: boolean;
}

/** Reads `mainPath` (and what it includes) into logical lines. */
export function readSource(mainPath: string, opts: ReadOptions): SourceLine[] {
  const out: SourceLine[] = [];
  streamSource(mainPath, opts, (l) => out.push(l));
  return out;
}

/**
 * Reads `mainPath` and hands each logical line to `sink` as it is read (a 36,000-server file is
 * ~700,000 lines: kept in one array they all live until the tree is built). Returns the names of
 * the files read, in order.
 */
export function streamSource(mainPath: string, opts: ReadOptions, sink: (line: SourceLine) => void): string[] {
  return new Reader(resolve(mainPath), opts, sink).run();
}

class Reader {
  private count = 0;
  private readonly files: string[] = [];
  private readonly defs = new Map<string, Definition>();
  private readonly root: string;
  private includeCheck = 0;
  private depth = 0;
  private pending: { name: string; def: Definition } | undefined;
  private cwd: string;

  constructor(
    private readonly main: string,
    private readonly o: ReadOptions,
    private readonly sink: (line: SourceLine) => void,
  ) {
    this.root = dirname(main);
    this.cwd = this.root;
  }

  run(): string[] {
    const text = this.read(this.main, READABLE | MATCH | WILDCARD, undefined);
    if (text !== undefined) this.file(this.main, text);
    return this.files;
  }

  /** The name a file is shown with: relative to the main file's directory when inside it. */
  private show(path: string): string {
    const r = relative(this.root, path);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
  }

  private read(path: string, flags: number, at: Loc | undefined): string | undefined {
    try {
      return this.o.fs.readFile(path);
    } catch (e) {
      const why = fileError(e as NodeJS.ErrnoException);
      if (at === undefined || flags & READABLE)
        throw new KeepalivedSyntaxError(at, `cannot read ${at ? this.show(path) : path}: ${why}`);
      this.o.findings.add(at, 'include', `cannot read ${this.show(path)}: ${why}; keepalived goes on without it`);
      return undefined;
    }
  }

  private file(path: string, text: string): void {
    if (++this.depth > MAX_DEPTH)
      throw new KeepalivedSyntaxError(undefined, `includes nested more than ${MAX_DEPTH} deep at ${this.show(path)}`);
    const savedCheck = this.includeCheck;
    const savedCwd = this.cwd;
    this.cwd = dirname(path);
    const name = this.show(path);
    this.files.push(name);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) this.physical(lines[i]!.replace(/\r+$/, ''), { file: name, line: i + 1 });
    this.pending = undefined;
    this.includeCheck = savedCheck;
    this.cwd = savedCwd;
    this.depth--;
  }

  private physical(raw: string, loc: Loc): void {
    if (this.pending) {
      if (raw.trim() === '') return void (this.pending = undefined);
      const t = decomment(raw, loc);
      const cont = t.endsWith('\\');
      const body = cont ? t.slice(0, -1).trimEnd() : t;
      if (body !== '') this.pending.def.lines.push(body);
      if (!cont) this.pending = undefined;
      return;
    }
    // keepalived 2.2.7 reads a decommented copy of the file and decomments it again: an unquoted
    // \# or \! becomes # or ! in the copy, which then starts a comment.
    const t = decomment(decomment(raw, loc), loc);
    if (t !== '') this.logical(t, loc, 0);
  }

  /** One logical line: conditional, definition, repetition, substitution, include, braces. */
  private logical(text: string, loc: Loc, depth: number): void {
    if (depth > 64)
      throw new KeepalivedSyntaxError(loc, 'parameter substitution does not end (a definition uses itself?)');
    let t = text;
    const later: string[] = [];
    for (let round = 0; ; round++) {
      if (round > 64)
        throw new KeepalivedSyntaxError(loc, 'parameter substitution does not end (a definition uses itself?)');
      if (t.startsWith('@')) {
        const kept = this.conditional(t);
        if (kept === undefined) return;
        t = kept;
      }
      if (t.startsWith('$') && this.definition(t)) return;
      if (t.startsWith('~SEQ') || t.startsWith('~LST')) {
        for (const v of expandRepeat(t, loc, (s) => this.substituteInline(s, loc))) {
          for (const [k, val] of v.values) this.defs.set(k, { lines: [val], multiline: false });
          this.logical(v.rest, loc, depth + 1);
        }
        for (const l of later) this.logical(l, loc, depth + 1);
        return;
      }
      const sub = t.includes('$') ? this.substitute(t, loc) : undefined;
      if (sub === undefined) break;
      t = decomment(sub[0]!, loc);
      later.push(...sub.slice(1));
      if (!(t.startsWith('@') || t.includes('$'))) break;
    }
    if (t !== '' && !(t.startsWith('include') && this.include(t, loc))) this.emit(t, loc);
    for (const l of later) this.logical(l, loc, depth + 1);
  }

  private conditional(t: string): string | undefined {
    const neg = t[1] === '^';
    const m = /^[^ \t]*[ \t]+/.exec(t.slice(neg ? 2 : 1));
    if (!m) return undefined;
    const id = m[0].trim();
    const matches = this.o.configId !== undefined && id === this.o.configId;
    return matches !== neg ? t.slice((neg ? 2 : 1) + m[0].length) : undefined;
  }

  /** `$NAME=VALUE` (no space before `=`): records it, true; anything else: false. */
  private definition(t: string): boolean {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(t);
    if (!m) return false;
    let value = m[2]!;
    const multiline = value.endsWith('\\');
    if (multiline) value = value.slice(0, -1).trimEnd();
    const def: Definition = { lines: value === '' ? [] : [value], multiline };
    this.defs.set(m[1]!, def);
    if (multiline) this.pending = { name: m[1]!, def };
    return true;
  }

  /** Substitution inside ~SEQ parameters: single-line definitions only. */
  private substituteInline(s: string, loc: Loc): string {
    const r = s.includes('$') ? this.substitute(s, loc) : undefined;
    if (r && r.length > 1) throw new KeepalivedSyntaxError(loc, `~SEQ parameter is a multi-line definition: '${s}'`);
    return r ? r[0]! : s;
  }

  /**
   * Replaces `$NAME` (followed by a blank, `,`, `)` or the end) and `${NAME}`; undefined names stay.
   * A multi-line definition ending the line expands into several lines. Undefined when nothing changed.
   */
  private substitute(text: string, loc: Loc): string[] | undefined {
    let t = text;
    let extra: string[] = [];
    let changed = false;
    let i = t.indexOf('$');
    for (let n = 0; i >= 0 && i < t.length - 1; n++) {
      if (n > 10_000)
        throw new KeepalivedSyntaxError(loc, 'parameter substitution does not end (a definition uses itself?)');
      const ref = parseRef(t, i);
      const value = ref && this.lookup(ref.name, ref.params, loc, t.length === ref.end);
      if (!ref || value === undefined) {
        i = t.indexOf('$', i + 1);
        continue;
      }
      changed = true;
      t = t.slice(0, i) + (value[0] ?? '') + t.slice(ref.end);
      if (value.length > 1) extra = [...value.slice(1), ...extra];
      i = t.indexOf('$', i);
    }
    return changed ? [t, ...extra] : undefined;
  }

  private lookup(name: string, params: string[], loc: Loc, atEnd: boolean): string[] | undefined {
    const own = this.defs.get(name);
    if (own) return own.multiline && !atEnd ? undefined : own.lines.length ? own.lines : [''];
    switch (name) {
      case '_PWD':
        return [this.cwd];
      case '_INSTANCE':
        return this.o.configId === undefined ? undefined : [this.o.configId];
      case '_HASH':
        return ['#'];
      case '_BANG':
        return ['!'];
      case '_ENV':
        return params.length === 1 ? [this.o.env?.[params[0]!] ?? ''] : undefined;
      case '_RANDOM': {
        const min = params[0] ?? '0';
        this.o.findings.add(
          loc,
          '${_RANDOM}',
          `a random number differs on every keepalived start; the import used the lowest value, ${min}`,
          'write the value you want',
        );
        return [min];
      }
      default:
        return undefined;
    }
  }

  /** An include line: reads what it names and returns true; anything else: false. */
  private include(t: string, loc: Loc): boolean {
    const m = /^(include[rmwba]?)[ \t]+(.*)$/.exec(t);
    if (!m) {
      if (/^include_check(\s|$)/.test(t)) this.setIncludeCheck(t.split(/\s+/).slice(1), loc);
      return false;
    }
    const flags = INCLUDE_FLAGS[m[1]!]! | this.includeCheck;
    const pattern = m[2]!.trim();
    const abs = resolve(this.cwd, pattern);
    const files = this.glob(abs);
    if (files.length === 0) {
      const wildcard = /[*?[]/.test(pattern);
      const brace = /\{[^}]*,[^}]*\}/.test(pattern);
      if (flags & WILDCARD || (flags & MATCH && !wildcard) || (flags & BRACE && brace))
        throw new KeepalivedSyntaxError(loc, `${m[1]} ${pattern}: no file matches`);
      this.o.findings.add(loc, m[1]!, `${pattern} matches no file; keepalived goes on without it`, 'check the path');
      return true;
    }
    for (const f of files) {
      const text = this.read(f, flags, loc);
      if (text !== undefined) this.file(f, text);
    }
    return true;
  }

  /** The glob's matches; a pattern the glob library cannot read matches nothing (like glob(3) returning GLOB_NOMATCH). */
  private glob(pattern: string): string[] {
    try {
      return this.o.fs.glob(pattern);
    } catch {
      return [];
    }
  }

  private setIncludeCheck(words: string[], loc: Loc): void {
    if (words.length === 0) return void (this.includeCheck = READABLE | MATCH | WILDCARD | BRACE);
    for (const w of words) {
      const op = w[0] === '+' || w[0] === '-' ? w[0] : '+';
      const bits = CHECK_NAMES[w.replace(/^[+-]/, '')];
      if (bits === undefined) this.o.findings.add(loc, 'include_check', `unknown check "${w}" (keepalived ignores it)`);
      else if (op === '+') this.includeCheck |= bits;
      else this.includeCheck &= ~bits;
    }
  }

  /** Splits `{` and `}` (outside double quotes) into lines of their own. */
  private emit(text: string, loc: Loc): void {
    if (!/[{}]/.test(text)) return this.push(text, loc);
    let t = text;
    while (t !== '') {
      const at = braceAt(t);
      if (at < 0) return this.push(t, loc);
      if (at > 0) this.push(t.slice(0, at).trimEnd(), loc);
      this.push(t[at]!, loc);
      t = t.slice(at + 1).trim();
    }
  }

  private push(text: string, loc: Loc): void {
    if (++this.count > MAX_LINES)
      throw new KeepalivedSyntaxError(loc, `more than ${MAX_LINES} lines after expansion (a runaway ~SEQ?)`);
    this.sink({ text, file: loc.file, line: loc.line });
  }
}

/** `$NAME` or `${NAME PARAMS}` at `i`: the name, its parameters and where the reference ends. */
function parseRef(t: string, i: number): { name: string; params: string[]; end: number } | undefined {
  if (t[i + 1] === '{') {
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)((?:[ \t]+[^ \t}]+)*)\}/.exec(t.slice(i));
    if (!m) return undefined;
    return { name: m[1]!, params: m[2]!.trim() ? m[2]!.trim().split(/[ \t]+/) : [], end: i + m[0].length };
  }
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)(?=[ \t,)]|$)/.exec(t.slice(i));
  return m ? { name: m[1]!, params: [], end: i + m[0].length } : undefined;
}

/** Index of the first `{` or `}` outside double quotes, or -1. */
function braceAt(t: string): number {
  let quoted = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '{' || c === '}')) return i;
  }
  return -1;
}

/**
 * keepalived's decomment(): leading blanks dropped, a `!` or `#` outside double quotes starts a
 * comment, `\#` and `\!` outside quotes are literal, trailing blanks dropped (a final `\` kept).
 * An unterminated double quote is a syntax error.
 */
export function decomment(raw: string, loc: Loc): string {
  if (!/[!#"\\]/.test(raw)) return raw.trim();
  let out = '';
  let quoted = false;
  const s = raw.replace(/^[ \t]+/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      out += !quoted && (n === '#' || n === '!') ? n : c + n;
      i++;
      continue;
    } else if (!quoted && (c === '#' || c === '!')) break;
    out += c;
  }
  if (quoted) throw new KeepalivedSyntaxError(loc, `unterminated quote: ${JSON.stringify(raw.trim())}`);
  return out.replace(/[ \t]+$/, '');
}

function fileError(e: NodeJS.ErrnoException): string {
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return String(e?.message ?? e);
  }
}
