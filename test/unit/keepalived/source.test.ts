/** The reader: keepalived's line rules (comments, @ID, $NAME, ~SEQ/~LST, include checks, braces). */
import { describe, expect, it } from 'vitest';
import { Findings, KeepalivedSyntaxError } from '../../../src/keepalived/findings.js';
import { expandRepeat } from '../../../src/keepalived/repeat.js';
import { decomment, readSource } from '../../../src/keepalived/source.js';
import { parseTree, splitQuoted, splitWords } from '../../../src/keepalived/tree.js';
import { memFs } from './memfs.js';

const loc = { file: 'k.conf', line: 1 };

function read(files: Record<string, string>, configId = 'lb1', env: Record<string, string> = {}) {
  const findings = new Findings();
  const lines = readSource('/k/keepalived.conf', { fs: memFs(files), findings, configId, env });
  return { lines: lines.map((l) => `${l.file}:${l.line} ${l.text}`), findings: findings.list };
}
const main = (text: string, more: Record<string, string> = {}) => ({ '/k/keepalived.conf': text, ...more });

describe('decomment', () => {
  it('drops # and ! comments outside double quotes, keeps escaped ones and a final backslash', () => {
    expect(decomment('  a b # c', loc)).toBe('a b');
    expect(decomment('a ! c', loc)).toBe('a');
    expect(decomment('a "#x" b # c', loc)).toBe('a "#x" b');
    expect(decomment('a \\# \\! b', loc)).toBe('a # ! b');
    expect(decomment('$X= \\', loc)).toBe('$X= \\');
  });
  it('an unterminated double quote is a syntax error naming file and line', () => {
    expect(() => decomment('a "b', { file: 'x.conf', line: 7 })).toThrow(/^x\.conf:7: unterminated quote/);
  });
});

describe('readSource', () => {
  it('splits braces into lines of their own, keeping file and line', () => {
    expect(read(main('a b {c}\n}')).lines).toEqual([
      'keepalived.conf:1 a b',
      'keepalived.conf:1 {',
      'keepalived.conf:1 c',
      'keepalived.conf:1 }',
      'keepalived.conf:2 }',
    ]);
  });

  it('@ID lines are kept for that config id, @^ID lines for every other one', () => {
    const text = '@lb1 priority 150\n@lb2 priority 100\n@^lb1 peer 1\n@^lb2 peer 2\n@lb1\n';
    expect(read(main(text), 'lb1').lines).toEqual(['keepalived.conf:1 priority 150', 'keepalived.conf:4 peer 2']);
    expect(read(main(text), 'lb2').lines).toEqual(['keepalived.conf:2 priority 100', 'keepalived.conf:3 peer 1']);
  });

  it('$NAME definitions: $X before a blank and ${X} anywhere, undefined names left alone, redefinition, recursion', () => {
    const text = '$A=10.0.${B}\n$B=1\nvip $A ${A}x $A.5 $UNDEF\n$B=2\nvip ${A}.6\n';
    expect(read(main(text)).lines).toEqual([
      'keepalived.conf:3 vip 10.0.1 10.0.1x $A.5 $UNDEF',
      'keepalived.conf:5 vip 10.0.2.6',
    ]);
  });

  it('a multi-line definition expands into several lines; ~SEQ repeats a line with a variable', () => {
    const text = '$RS= \\\n  real_server 10.0.0.${N} 80 { \\\n  weight ${N} \\\n  }\n~SEQ(N, 1, 2) $RS\n';
    expect(read(main(text)).lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual([
      'real_server 10.0.0.1 80',
      '{',
      'weight 1',
      '}',
      'real_server 10.0.0.2 80',
      '{',
      'weight 2',
      '}',
    ]);
  });

  it('${_INSTANCE}, ${_ENV X}, ${_HASH} and \\# (a comment again in keepalived 2.2.7); ${_RANDOM} takes its minimum and says so', () => {
    const r = read(main('id ${_INSTANCE} ${_ENV PORT} x${_HASH}y\nq "a\\#b" c\\#d\nr ${_RANDOM 5 9}\n'), 'lb7', {
      PORT: '8080',
    });
    expect(r.lines).toEqual([
      'keepalived.conf:1 id lb7 8080 x',
      'keepalived.conf:2 q "a\\#b" c',
      'keepalived.conf:3 r 5',
    ]);
    expect(r.findings.map((f) => f.keyword)).toEqual(['${_RANDOM}']);
  });

  it('include: globs sorted, relative to the including file; a missing plain include is a finding', () => {
    const r = read(
      main('include d/*.conf\ninclude nothere.conf\nend', {
        '/k/d/b.conf': 'b\ninclude ../e.conf',
        '/k/d/a.conf': 'a',
        '/k/e.conf': 'e',
      }),
    );
    expect(r.lines).toEqual(['d/a.conf:1 a', 'd/b.conf:1 b', 'e.conf:1 e', 'keepalived.conf:3 end']);
    expect(r.findings).toEqual([expect.objectContaining({ file: 'keepalived.conf', line: 2, keyword: 'include' })]);
  });

  it('includem/includew/includea without a match and includer of an unreadable match stop the import', () => {
    expect(() => read(main('includem nothere.conf'))).toThrow(
      /^keepalived\.conf:1: includem nothere\.conf: no file matches/,
    );
    expect(() => read(main('includew d/*.conf'))).toThrow(KeepalivedSyntaxError);
    expect(read(main('includem d/*.conf')).lines).toEqual([]); // a wildcard may match nothing with includem
    expect(() => read(main('includea {x,y}.conf'))).toThrow(/no file matches/);
    expect(() => read(main('include_check\ninclude nothere.conf'))).toThrow(/no file matches/);
    const relaxed = read(
      main('include_check\ninclude_check -match -wildcard_match -brace_match\ninclude nothere.conf'),
    );
    expect(relaxed.findings.map((f) => f.keyword)).toEqual(['include']);
  });

  it('a main file that cannot be read, and an include loop, are errors', () => {
    expect(() => read({})).toThrow(/^cannot read \/k\/keepalived\.conf: no such file/);
    expect(() => read(main('include keepalived.conf'))).toThrow(/nested more than 32 deep/);
  });
});

describe('~SEQ and ~LST', () => {
  const vals = (line: string) =>
    expandRepeat(line, loc, (s) => s).map((r) => r.values.map(([k, v]) => `${k}=${v}`).join(',') + ' ' + r.rest);
  it('SEQ forms: end only, start-end, start-step-end, hex, negative', () => {
    expect(vals('~SEQ(N, 3) x')).toEqual(['N=1 x', 'N=2 x', 'N=3 x']);
    expect(vals('~SEQ(N, 5, 3) x')).toEqual(['N=5 x', 'N=4 x', 'N=3 x']);
    expect(vals('~SEQ(N, 0, 5, 10) x')).toEqual(['N=0 x', 'N=5 x', 'N=10 x']);
    expect(vals('~SEQx(N, 0x9, 0xb) x')).toEqual(['N=9 x', 'N=a x', 'N=b x']);
    expect(vals('~SEQ(N, -2) x')).toEqual(['N=-1 x', 'N=-2 x']);
  });
  it('LST: one variable, several at once, missing values empty', () => {
    expect(vals('~LST(A, 1, 2) y')).toEqual(['A=1 y', 'A=2 y']);
    expect(vals('~LST({A, B}, {1, 2}, {3}) y')).toEqual(['A=1,B=2 y', 'A=3,B= y']);
  });
  it('malformed specifications are syntax errors', () => {
    for (const bad of [
      '~SEQ(N) x',
      '~SEQ(N, 1, 0, 5) x',
      '~SEQ(N, 1, -1, 5) x',
      '~SEQx(N, -1, 2) x',
      '~LST(A) x',
      '~LST({A}, {1, 2}) x',
    ])
      expect(() => vals(bad), bad).toThrow(KeepalivedSyntaxError);
  });
});

describe('tree and words', () => {
  it('a { line opens the block of the line before it; unbalanced braces name the place', () => {
    const t = parseTree([
      { text: 'vs 1', file: 'f', line: 1 },
      { text: '{', file: 'f', line: 1 },
      { text: 'rs 2', file: 'f', line: 2 },
      { text: '}', file: 'f', line: 3 },
    ]);
    expect(t).toEqual([
      {
        words: ['vs', '1'],
        text: 'vs 1',
        file: 'f',
        line: 1,
        block: [{ words: ['rs', '2'], text: 'rs 2', file: 'f', line: 2 }],
      },
    ]);
    expect(() => parseTree([{ text: '}', file: 'f', line: 9 }])).toThrow(/^f:9: extra '}' found/);
    expect(() => parseTree([{ text: '{', file: 'f', line: 4 }])).toThrow(/^f:4: '\{' without a keyword/);
    expect(() =>
      parseTree([
        { text: 'a', file: 'f', line: 5 },
        { text: '{', file: 'f', line: 5 },
      ]),
    ).toThrow(/^f:5: missing '}'/);
  });
  it('words like alloc_strvec (double quotes group), scripts like alloc_strvec_quoted_escaped', () => {
    expect(splitWords('notify "/bin/x a" b"c"')).toEqual(['notify', '/bin/x a', 'b', 'c']);
    expect(splitQuoted(`/bin/x 'a b' "c d" e\\ f \\x41\\101\\t`)).toEqual(['/bin/x', 'a b', 'c d', 'e f', 'AA\t']);
    expect(splitQuoted(`/bin/x 'a`)).toBeUndefined();
  });
});
