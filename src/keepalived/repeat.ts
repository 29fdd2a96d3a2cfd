/**
 * keepalived's repetition lines: `~SEQ(VAR, START, STEP, END) REST`, `~SEQx(...)` (values in hex)
 * and `~LST(VAR, V1, V2, ...)` / `~LST({A, B}, {1, 2}, {3, 4}) REST`. Each expands into REST once
 * per value with the variables set. Numbers are read like C's strtol with base 0 (0x.., 0..).
 */
import { KeepalivedSyntaxError, type Loc } from './findings.js';

/** One expansion: the variables to set and the rest of the line to process with them. */
export interface Repetition {
  values: Array<[string, string]>;
  rest: string;
}

const MAX_REPEAT = 1_000_000;

/**
 * Expands a line starting with `~SEQ` or `~LST`. `substitute` replaces definitions inside the
 * ~SEQ parameters. Throws `KeepalivedSyntaxError` naming the line for a malformed specification.
 */
export function expandRepeat(line: string, loc: Loc, substitute: (s: string) => string): Repetition[] {
  return line.startsWith('~SEQ') ? seq(line, loc, substitute) : lst(line, loc);
}

function seq(line: string, loc: Loc, substitute: (s: string) => string): Repetition[] {
  const bad = (why = 'invalid ~SEQ specification'): never => {
    throw new KeepalivedSyntaxError(loc, `${why}: '${line}'`);
  };
  const m = /^~SEQ(x?)[ \t]*\([ \t]*([^ \t,)]+)[ \t]*,([^)]*)\)[ \t]*(.*)$/.exec(line) ?? bad();
  const hex = m[1] === 'x';
  const nums = substitute(m[3]!)
    .split(',')
    .map((p) => strtol(p) ?? bad());
  if (nums.length === 0 || nums.length > 3) bad();
  let start: number, step: number, end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    [start, end] = nums as [number, number];
    step = start <= end ? 1 : -1;
  } else {
    [start, step, end] = nums as [number, number, number];
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) bad('invalid ~SEQ values');
  }
  if (hex && (start < 0 || end < 0)) bad('~SEQx is only valid for positive numbers');
  if (Math.floor((end - start) / step) + 1 > MAX_REPEAT) bad(`~SEQ repeats more than ${MAX_REPEAT} times`);
  const out: Repetition[] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step)
    out.push({ values: [[m[2]!, hex ? v.toString(16) : String(v)]], rest: m[4]! });
  return out;
}

/** C strtol(s, NULL, 0) over the whole (trimmed) text: decimal, 0x hex or 0 octal; undefined if malformed. */
function strtol(s: string): number | undefined {
  const t = s.trim();
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (!m) return undefined;
  const body = m[2]!;
  const n = /^0[xX]/.test(body)
    ? parseInt(body.slice(2), 16)
    : body.length > 1 && body[0] === '0'
      ? parseInt(body, 8)
      : parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

/** A cursor over a ~LST specification. */
class Scanner {
  i = 0;
  constructor(readonly s: string) {}
  blanks(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
  word(stop: string): string {
    const from = this.i;
    while (this.i < this.s.length && !stop.includes(this.s[this.i]!)) this.i++;
    return this.s.slice(from, this.i);
  }
}

function lst(line: string, loc: Loc): Repetition[] {
  const bad = (why = 'invalid ~LST specification'): never => {
    throw new KeepalivedSyntaxError(loc, `${why}: '${line}'`);
  };
  const sc = new Scanner(line.slice(4));
  sc.blanks();
  if (sc.peek() !== '(') bad();
  sc.i++;
  const vars = group(sc, bad);
  if (vars.length === 0 || vars.some((v) => v === '')) bad();
  const sets: string[][] = [];
  for (;;) {
    sc.blanks();
    if (sc.peek() !== ',') break;
    sc.i++;
    const set = group(sc, bad);
    if (set.length > vars.length) bad('~LST specification has too many values');
    sets.push([...set, ...Array<string>(vars.length - set.length).fill('')]);
  }
  sc.blanks();
  if (sc.peek() !== ')' || sets.length === 0) bad();
  sc.i++;
  sc.blanks();
  const rest = sc.s.slice(sc.i);
  return sets.map((set) => ({ values: vars.map((v, k): [string, string] => [v, set[k]!]), rest }));
}

/** `{a, b, c}` or a single word, stopping before `,` or `)`. */
function group(sc: Scanner, bad: () => never): string[] {
  sc.blanks();
  if (sc.peek() !== '{') return [sc.word(' \t,)}').trim()];
  sc.i++;
  const out: string[] = [];
  for (;;) {
    sc.blanks();
    out.push(sc.word(' \t,})'));
    sc.blanks();
    const c = sc.peek();
    sc.i++;
    if (c === '}') return out;
    if (c !== ',') bad();
  }
}
