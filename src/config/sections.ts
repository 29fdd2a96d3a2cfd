/**
 * Cuts config text into its `[[virtual_server]]` sections (each with its `[virtual_server.*]` and
 * `[[virtual_server.real_server]]` sub-tables) and the rest of the file, without parsing it, so a
 * reload can re-parse and re-validate only the sections whose text changed (config-loader.ts). Pure.
 *
 * A section runs from its `[[virtual_server]]` line to the next table header that is not a
 * `virtual_server.` sub-table. Parsed on its own, a section gives that one virtual server, and the
 * rest gives every other table, exactly as the whole file would — unless the text is unusual, and
 * then `splitSections` returns undefined (the caller parses the whole file):
 *  - a multi-line string (`"""`, `'''`) anywhere: a line inside one may look like a header;
 *  - a header that names virtual_server in any other spelling (quoted, `[virtual_server]`, ...);
 *  - a `virtual_server.` sub-table before the first `[[virtual_server]]`.
 * A header-like line inside a multi-line array or inline table cuts that value in two; each half then
 * fails to parse on its own, which also sends the caller to the whole file.
 */

/** The file cut into virtual-server sections and everything else, in order. */
export interface Sections {
  /** Every line that is not in a virtual-server section, in order. */
  rest: string;
  /** Each `[[virtual_server]]` section's text, in file order. */
  virtualServers: string[];
}

const VS_HEADER = /^\[\[[ \t]*virtual_server[ \t]*\]\][ \t]*(#.*)?$/;
const VS_SUBTABLE = /^\[\[?[ \t]*virtual_server[ \t]*\.[ \t]*[A-Za-z0-9_-]+[ \t]*\]\]?[ \t]*(#.*)?$/;
/** A table header line in any spelling (bare, quoted or dotted keys). */
const ANY_HEADER = /^\[\[?[^\]]*\]\]?[ \t]*(#.*)?$/;

/** What a line starting with "[" is: a virtual-server header or sub-table, another header, or no header. */
function kind(h: string): 'vs' | 'sub' | 'other' | 'value' | 'odd' {
  if (h === '[[virtual_server]]') return 'vs';
  if (h === '[[virtual_server.real_server]]' || h === '[virtual_server.check]') return 'sub';
  if (!ANY_HEADER.test(h)) return 'value';
  if (VS_HEADER.test(h)) return 'vs';
  if (VS_SUBTABLE.test(h)) return 'sub';
  return h.includes('virtual_server') ? 'odd' : 'other';
}

/** The sections of config text, or undefined when it must be parsed whole (see above). */
export function splitSections(text: string): Sections | undefined {
  if (text.includes('"""') || text.includes("'''")) return undefined;
  const rest: string[] = [];
  const virtualServers: string[] = [];
  let from = 0; // start of the text not yet assigned
  let inVs = false; // that text belongs to a virtual-server section
  const close = (to: number) => {
    if (to > from) (inVs ? virtualServers : rest).push(text.slice(from, to));
    from = to;
  };
  // only a "[" that starts a line (after blanks) can open a header; scanning for "[" is much faster
  // than scanning every line
  for (let i = text.indexOf('['); i >= 0;) {
    let start = i;
    while (start > 0 && (text.charCodeAt(start - 1) === 32 || text.charCodeAt(start - 1) === 9)) start--;
    if (start > 0 && text.charCodeAt(start - 1) !== 10) {
      i = text.indexOf('[', i + 1);
      continue;
    }
    let end = text.indexOf('\n', i);
    if (end < 0) end = text.length;
    const k = kind(text.slice(i, end).trimEnd());
    i = text.indexOf('[', end);
    if (k === 'odd') return undefined;
    if (k === 'vs') {
      if (inVs || start > from) close(start);
      inVs = true;
    } else if (k === 'sub') {
      if (!inVs) return undefined;
    } else if (k === 'other' && inVs) {
      close(start);
      inVs = false;
    }
  }
  close(text.length);
  return { rest: rest.join(''), virtualServers };
}
