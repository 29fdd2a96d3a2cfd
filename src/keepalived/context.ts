/**
 * What every mapper shares: the findings, where each written table came from, and keepalived's
 * value readers (timers in decimal seconds, bounded integers, booleans) that report a bad value
 * the way keepalived does (it logs the error and ignores the keyword).
 */
import { didYouMean } from '../config/fields.js';
import { formatDuration } from '../util/duration.js';
import { Findings, type Loc } from './findings.js';
import { KEYWORDS } from './keywords.js';
import type { KaNode } from './tree.js';

/** A table of the lvsd config being built (plain TOML values). */
export type Raw = Record<string, unknown>;

/** Where a written table came from, for its `# from FILE:LINE` comment. */
export interface Origin extends Loc {
  /** The keepalived line that opened the block, e.g. `virtual_server 10.0.0.1 80`. */
  what: string;
}

/** Shared state of one import. */
export class Ctx {
  readonly findings = new Findings();
  readonly origins = new WeakMap<object, Origin>();
  /** Comments to write above a key of a table: keepalived corrections and behaviour notes. */
  readonly notes = new WeakMap<object, Map<string, string[]>>();

  /** Remembers that `table` was written from `node`. */
  from<T extends object>(table: T, node: KaNode): T {
    this.origins.set(table, { file: node.file, line: node.line, what: node.words.join(' ') });
    return table;
  }

  /** Adds a comment above `key` of `table` (a value keepalived corrected, or a behaviour to know). */
  note(table: object, key: string, text: string): void {
    let m = this.notes.get(table);
    if (!m) this.notes.set(table, (m = new Map()));
    m.set(key, [...(m.get(key) ?? []), text]);
  }

  /** A shallow copy of `table` with its comments and origin. */
  copy(table: Raw): Raw {
    const out = { ...table };
    const n = this.notes.get(table);
    if (n) this.notes.set(out, new Map(n));
    const o = this.origins.get(table);
    if (o) this.origins.set(out, o);
    return out;
  }

  /** Reports a keyword lvsd does not carry over, with the catalogue's reason (or `why` given here). */
  unmapped(node: KaNode, block: string, why?: string, instead?: string): void {
    const kw = KEYWORDS[block]?.[node.words[0]!];
    this.findings.add(node, node.words[0]!, why ?? kw?.note ?? 'not mapped', instead ?? kw?.instead ?? '');
  }

  /** Reports something about a value of `node` (keepalived would log it and ignore the keyword). */
  warn(node: Loc & { words?: string[] }, keyword: string, why: string, instead = ''): void {
    this.findings.add(node, keyword, why, instead);
  }

  /**
   * Handles a keyword that has no handler in `block`: a known one is reported with its reason,
   * an unknown one with a "did you mean" (keepalived logs "Unknown keyword" and skips it).
   */
  other(node: KaNode, block: string): void {
    const word = node.words[0]!;
    const known = KEYWORDS[block];
    if (known?.[word]?.mapped)
      throw new Error(`internal error: ${block}.${word} is mapped in the catalogue but has no handler`);
    if (known && word in known) return this.unmapped(node, block);
    const guess = known ? didYouMean(word, Object.keys(known)) : undefined;
    const elsewhere = Object.entries(KEYWORDS).find(([b, kws]) => b !== block && word in kws)?.[0];
    const why =
      `unknown keyword in ${block === 'root' ? 'the top level' : block}; keepalived skips it` +
      (node.block ? ' and its block' : '') +
      (guess ? ` (did you mean "${guess}"?)` : elsewhere ? ` (it belongs in ${elsewhere})` : '');
    this.findings.add(node, word, why, guess ? `write "${guess}"` : 'remove it or move it where it belongs');
  }

  /** Word `i` of `node`, or a finding "missing value" and undefined. */
  arg(node: KaNode, i = 1): string | undefined {
    const v = node.words[i];
    if (v === undefined) this.warn(node, node.words[0]!, 'has no value; keepalived ignores it');
    return v;
  }

  /** A keepalived timer (decimal seconds, up to 6 decimals) as milliseconds, or undefined after a finding. */
  seconds(node: KaNode, min = 0, i = 1): number | undefined {
    const v = this.arg(node, i);
    if (v === undefined) return undefined;
    if (!/^\d+(\.\d{1,6})?$/.test(v) || Number(v) * 1000 < min) {
      this.warn(node, node.words[0]!, `"${v}" is not a valid time in seconds; keepalived ignores it`);
      return undefined;
    }
    return Math.max(Math.round(Number(v) * 1000), Number(v) > 0 ? 1 : 0);
  }

  /** An unsigned integer in [min, max] (decimal, like keepalived's read_unsigned), or undefined after a finding. */
  int(node: KaNode, min: number, max: number, i = 1): number | undefined {
    const v = this.arg(node, i);
    if (v === undefined) return undefined;
    const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.warn(node, node.words[0]!, `"${v}" is not an integer in ${min}-${max}; keepalived ignores it`);
      return undefined;
    }
    return n;
  }

  /** An optional <BOOL> argument (on/off, true/false, yes/no; absent = true), or undefined after a finding. */
  bool(node: KaNode, i = 1): boolean | undefined {
    const v = node.words[i];
    if (v === undefined) return true;
    if (['on', 'true', 'yes'].includes(v)) return true;
    if (['off', 'false', 'no'].includes(v)) return false;
    this.warn(node, node.words[0]!, `"${v}" is not a boolean (on/off, true/false, yes/no); keepalived ignores it`);
    return undefined;
  }
}

/** Milliseconds as an lvsd duration string. */
export function dur(ms: number): string {
  return formatDuration(ms);
}

/** Walks a block: calls `handlers[keyword]`, or `ctx.other` for keywords without a handler. */
export function walk(
  ctx: Ctx,
  block: string,
  nodes: readonly KaNode[] | undefined,
  handlers: Record<string, (n: KaNode) => void>,
): void {
  for (const n of nodes ?? []) {
    const h = Object.hasOwn(handlers, n.words[0]!) ? handlers[n.words[0]!] : undefined;
    if (h) h(n);
    else ctx.other(n, block);
  }
}
