/**
 * Logical lines → a tree. A line is split into words the way keepalived's alloc_strvec() does
 * (blanks separate words; a double-quoted string is one word without its quotes); a `{` line opens
 * a block belonging to the line before it and `}` closes it. What the words mean is left to the
 * mapper: this layer only knows structure, so a misspelt block keyword still owns its block.
 * Unbalanced braces throw `KeepalivedSyntaxError` with the file and line, as keepalived reports them.
 */
import { KeepalivedSyntaxError, type Loc } from './findings.js';
import type { SourceLine } from './source.js';

/** One keyword line (or one value line inside a value block) and its block, if it has one. */
export interface KaNode extends Loc {
  /** The line split into words; `words[0]` is the keyword. */
  words: string[];
  /** The line's text after comments and substitution (scripts are re-split from it). */
  text: string;
  /** The `{ ... }` block that follows the line, if any. */
  block?: KaNode[];
}

/** Builds the tree of `lines`. */
export function parseTree(lines: Iterable<SourceLine>): KaNode[] {
  const b = new TreeBuilder();
  for (const l of lines) b.push(l);
  return b.finish();
}

/** Builds the tree line by line (the reader streams into it). */
export class TreeBuilder {
  private readonly top: KaNode[] = [];
  private readonly stack: Array<{ owner: KaNode; list: KaNode[] }> = [];
  private cur: KaNode[] = this.top;

  /** Adds one logical line; throws `KeepalivedSyntaxError` for a brace that does not fit. */
  push(l: SourceLine): void {
    if (l.text === '{') {
      const owner = this.cur[this.cur.length - 1];
      if (!owner || owner.block) throw new KeepalivedSyntaxError(l, "'{' without a keyword before it");
      owner.block = [];
      this.stack.push({ owner, list: this.cur });
      this.cur = owner.block;
    } else if (l.text === '}') {
      const open = this.stack.pop();
      if (!open) throw new KeepalivedSyntaxError(l, "extra '}' found");
      this.cur = open.list;
    } else {
      const words = splitWords(l.text);
      if (words.length > 0) this.cur.push({ words, text: l.text, file: l.file, line: l.line });
    }
  }

  /** The tree; throws `KeepalivedSyntaxError` naming the first block left open. */
  finish(): KaNode[] {
    const open = this.stack.pop();
    if (open) {
      const o = open.owner;
      throw new KeepalivedSyntaxError(
        o,
        `missing '}': the block of "${o.words[0]}" opened here is not closed` +
          (this.stack.length > 0 ? ` (${this.stack.length + 1} blocks are open at the end)` : ''),
      );
    }
    return this.top;
  }
}

/** keepalived's alloc_strvec_r(): blank-separated words, `"..."` one word without the quotes. */
export function splitWords(text: string): string[] {
  if (!text.includes('"')) return text.split(/\s+/).filter((w) => w !== '');
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end;
      out.push(text.slice(i + 1, stop));
      i = stop + 1;
    } else {
      const from = i;
      while (i < text.length && !/\s/.test(text[i]!) && text[i] !== '"') i++;
      out.push(text.slice(from, i));
    }
  }
  return out;
}

/**
 * keepalived's alloc_strvec_quoted_escaped(): words where `"..."` and `'...'` group blanks and
 * backslash escapes (\n, \t, \xHH, \NNN, \cC, \C) are decoded. Used for script command lines.
 * Undefined when a quote is not closed.
 */
export function splitQuoted(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /[ \t\n\r\f\v]/.test(text[i]!)) i++;
    if (i >= n) break;
    let word = '';
    let quote = '';
    for (; i < n; i++) {
      const c = text[i]!;
      if (c === '\\') {
        const [ch, used] = unescape(text, i + 1);
        word += ch;
        i += used;
      } else if (quote) {
        if (c === quote) quote = '';
        else word += c;
      } else if (c === '"' || c === "'") quote = c;
      else if (/[ \t\n\r\f\v]/.test(c)) break;
      else word += c;
    }
    if (quote) return undefined;
    out.push(word);
  }
  return out;
}

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decodes the escape after a backslash at `at`: the character and how many characters it used. */
function unescape(s: string, at: number): [string, number] {
  const c = s[at];
  if (c === undefined) return ['', 0];
  if (c === 'x' && /[0-9a-fA-F]/.test(s[at + 1] ?? '')) {
    const m = /^[0-9a-fA-F]+/.exec(s.slice(at + 1))![0];
    return [String.fromCharCode(parseInt(m.slice(-2), 16)), 1 + m.length];
  }
  if (c === 'c' && s[at + 1] !== undefined) return [String.fromCharCode(s.charCodeAt(at + 1) & 0x1f), 2];
  if (c >= '0' && c <= '7') {
    const m = /^[0-7]{1,3}/.exec(s.slice(at))![0];
    return [String.fromCharCode(parseInt(m, 8) & 0xff), m.length];
  }
  return [SIMPLE[c] ?? c, 1];
}
