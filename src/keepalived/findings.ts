/**
 * What the importer tells the operator: a `Finding` names a keyword and where it was (file:line),
 * why it was not carried over and what to do instead. Warnings leave a written config (exit 3);
 * a `KeepalivedSyntaxError` stops the import (exit 2), as keepalived's own parser would refuse it.
 */

/** A position in the keepalived configuration: a file as the operator names it, and a 1-based line. */
export interface Loc {
  file: string;
  line: number;
}

/** One keyword (or value) that was not mapped, or not mapped exactly. */
export interface Finding extends Loc {
  /** The keyword as written, e.g. `smtp_server` or `virtual_ipaddress ... scope`. */
  keyword: string;
  /** Why lvsd does not carry it over (or what differs). */
  why: string;
  /** What to do instead; empty when nothing is needed. */
  instead: string;
}

/** The input cannot be read: a missing file, unbalanced braces, an unterminated quote, a bad ~SEQ. */
export class KeepalivedSyntaxError extends Error {
  readonly code = 'EKASYNTAX';
  constructor(
    readonly loc: Loc | undefined,
    message: string,
  ) {
    super(loc ? `${loc.file}:${loc.line}: ${message}` : message);
    this.name = 'KeepalivedSyntaxError';
  }
}

/** `FILE:LINE: KEYWORD: WHY; instead: INSTEAD` — one line, the format of every warning. */
export function formatFinding(f: Finding): string {
  const instead = f.instead ? `; instead: ${f.instead}` : '';
  return `${f.file}:${f.line}: ${f.keyword}: ${f.why}${instead}`;
}

/** Collects findings in source order, each keyword/location once. */
export class Findings {
  readonly list: Finding[] = [];
  private readonly seen = new Set<string>();

  /** Records a finding (a repeat of the same keyword, place and reason is dropped). */
  add(loc: Loc, keyword: string, why: string, instead = ''): void {
    const key = `${loc.file}\0${loc.line}\0${keyword}\0${why}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ file: loc.file, line: loc.line, keyword, why, instead });
  }
}
