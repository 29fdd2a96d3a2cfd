/**
 * Cuts config bytes into their `[[virtual_server]]` sections (each with its `[virtual_server.*]` and
 * `[[virtual_server.real_server]]` sub-tables) and the rest of the file, without parsing or decoding
 * them, so a reload can re-parse and re-validate only the sections whose bytes changed
 * (config-loader.ts). Pure.
 *
 * A section runs from its `[[virtual_server]]` line to the next table header that is not a
 * `virtual_server.` sub-table. Parsed on its own, a section gives that one virtual server, and the
 * rest gives every other table, exactly as the whole file would — unless the text is unusual, and
 * then `splitSections` returns undefined (the caller parses the whole file):
 *  - a multi-line string (`"""`, `'''`) anywhere: a line inside one may look like a header;
 *  - a header that names virtual_server in any other spelling (quoted, `[virtual_server]`, ...);
 *  - a `virtual_server.` sub-table before the first `[[virtual_server]]`.
 * A header-like line inside a multi-line array or inline table cuts that value in two; each half then
 * fails to parse on its own, which also sends the caller to the whole file. Every cut is at an ASCII
 * "[" that starts a line, so no UTF-8 sequence is ever cut.
 */

/** A byte range [start, end) of the file. */
export type Span = readonly [start: number, end: number];

/** The file cut into virtual-server sections and everything else, in order. */
export interface Sections {
  /** The spans of every line that is not in a virtual-server section. */
  rest: Span[];
  /** Each `[[virtual_server]]` section's span, in file order. */
  virtualServers: Span[];
}

const VS_HEADER = /^\[\[[ \t]*virtual_server[ \t]*\]\][ \t]*(#.*)?$/;
const VS_SUBTABLE = /^\[\[?[ \t]*virtual_server[ \t]*\.[ \t]*[A-Za-z0-9_-]+[ \t]*\]\]?[ \t]*(#.*)?$/;
/** A table header line in any spelling (bare, quoted or dotted keys). */
const ANY_HEADER = /^\[\[?[^\]]*\]\]?[ \t]*(#.*)?$/;

/** The usual header lines, recognised without decoding the line. */
const EXACT: Array<[Buffer, 'vs' | 'sub']> = [
  [Buffer.from('[[virtual_server.real_server]]'), 'sub'],
  [Buffer.from('[[virtual_server]]'), 'vs'],
  [Buffer.from('[virtual_server.check]'), 'sub'],
];

const LF = 10,
  CR = 13,
  SPACE = 32,
  TAB = 9,
  BRACKET = 91;

/** What the line at [i, end) (starting with "[") is: a virtual-server header or sub-table, another header, a value, or odd. */
function kind(b: Uint8Array, i: number, end: number): 'vs' | 'sub' | 'other' | 'value' | 'odd' {
  let e = end;
  while (e > i && (b[e - 1] === SPACE || b[e - 1] === TAB || b[e - 1] === CR)) e--;
  // compared in place: a subarray per line was ~2 Buffer objects per real server, ~9 MB of garbage per
  // reload of keepalived #2318's file
  for (const [pat, k] of EXACT) if (e - i === pat.length && pat.compare(b, i, e) === 0) return k;
  const h = Buffer.from(b.buffer, b.byteOffset + i, e - i).toString('utf8');
  if (!ANY_HEADER.test(h)) return 'value'; // parsed with whatever it is in
  if (VS_HEADER.test(h)) return 'vs';
  if (VS_SUBTABLE.test(h)) return 'sub';
  return h.includes('virtual_server') ? 'odd' : 'other';
}

/** The sections of the first `size` bytes of `b`, or undefined when they must be parsed whole (see above). */
export function splitSections(b: Uint8Array, size = b.length): Sections | undefined {
  const bytes = Buffer.from(b.buffer, b.byteOffset, size);
  if (bytes.indexOf('"""') >= 0 || bytes.indexOf("'''") >= 0) return undefined;
  const rest: Span[] = [];
  const virtualServers: Span[] = [];
  let from = 0; // start of the bytes not yet assigned
  let inVs = false; // those bytes belong to a virtual-server section
  const close = (to: number) => {
    if (to > from) (inVs ? virtualServers : rest).push([from, to]);
    from = to;
  };
  // only a "[" that starts a line (after blanks) can open a header; looking for "[" is much faster
  // than looking at every line
  for (let i = bytes.indexOf(BRACKET); i >= 0;) {
    let start = i;
    while (start > 0 && (bytes[start - 1] === SPACE || bytes[start - 1] === TAB)) start--;
    if (start > 0 && bytes[start - 1] !== LF) {
      i = bytes.indexOf(BRACKET, i + 1);
      continue;
    }
    let end = bytes.indexOf(LF, i);
    if (end < 0) end = size;
    const k = kind(bytes, i, end);
    i = end < size ? bytes.indexOf(BRACKET, end) : -1;
    if (k === 'odd') return undefined;
    if (k === 'vs') {
      if (inVs || start > from) close(start);
      inVs = true;
    } else if (k === 'sub') {
      if (!inVs) return undefined;
    } else if (inVs && k === 'other') {
      close(start);
      inVs = false;
    }
  }
  close(size);
  return { rest, virtualServers };
}
