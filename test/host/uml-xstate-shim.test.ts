/**
 * The ptrace shim user-mode Linux is started with (src/lab/uml-xstate-shim.c), proven by its
 * mechanism on this host whatever its CPU: a traced child, and a PTRACE_SETREGSET/NT_X86_XSTATE
 * shorter than the host's XSAVE size (test/support/native/xstate-probe.c). Without the shim the
 * host refuses it with EFAULT (what kills UML's init on CPUs with AMX); with it the write succeeds,
 * the caller's bytes are applied and the state past them is kept. The same again at an AMX host's
 * size (11,008 bytes), simulated by test/support/native/amx-host.c; and five mutations of the shim
 * must each fail the same verdict.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileShim, ensureShim, shimPaths } from '../../src/lab/uml-shim.js';
import { repoRoot } from '../support/uml.js';

const NATIVE = join(repoRoot(), 'test/support/native');
const EFAULT = '14';

/** The probe's key=value lines. */
type Probe = Record<string, string>;

function probe(exe: string, preload: string[]): Probe {
  const env = { ...process.env, LD_PRELOAD: preload.join(' ') };
  const out = execFileSync(exe, [], { encoding: 'utf8', env, timeout: 30_000 });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
}

/** The verdict the shim must earn: the short write succeeded, the caller's bytes applied, the rest kept, other requests intact. */
const fixed = (p: Probe): boolean =>
  p.short_set === '0' && p.head === 'ok' && p.tail === 'ok' && p.peek === 'ok' && p.long_set === '0';

/** Mutations of the shim's source: [what, text in the source, replacement]. */
const MUTANTS: Array<[string, string, string]> = [
  [
    'passes the short write through',
    'long r = set_short_xstate(pid, iov);',
    'long r = 0 ? set_short_xstate(pid, iov) : forward(req, pid, addr, data);',
  ],
  ['does not copy the caller bytes', 'memcpy(full_state, caller->iov_base, caller->iov_len);', ''],
  [
    'copies half of them',
    'memcpy(full_state, caller->iov_base, caller->iov_len);',
    'memcpy(full_state, caller->iov_base, caller->iov_len / 2);',
  ],
  [
    'zeroes the state past them instead of keeping it',
    'host_size = full.iov_len;',
    'host_size = full.iov_len; memset(full_state, 0, sizeof full_state);',
  ],
  [
    "writes the caller's length",
    'return forward(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &full);',
    'return forward(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, (void *)caller);',
  ],
];

describe('ptrace shim for user-mode Linux (short NT_X86_XSTATE writes)', () => {
  let dir: string;
  let exe: string;
  let amx: string;
  let shim: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsd-xstate-'));
    exe = join(dir, 'xstate-probe');
    amx = join(dir, 'amx-host.so');
    execFileSync('gcc', ['-O2', '-Wall', '-o', exe, join(NATIVE, 'xstate-probe.c')]);
    execFileSync('gcc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', amx, join(NATIVE, 'amx-host.c')]);
    const s = ensureShim();
    if (!s.library) throw new Error(`the shim could not be built: ${s.problem}`);
    shim = s.library;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without the shim the host refuses a write shorter than its XSAVE size (EFAULT)', () => {
    const p = probe(exe, []);
    expect(Number(p.size)).toBeGreaterThan(Number(p.short));
    expect(p.short_set).toBe(EFAULT);
    expect(fixed(p)).toBe(false);
  });

  it('with the shim the same write succeeds: caller bytes applied, the rest kept, other requests untouched', () => {
    const p = probe(exe, [shim]);
    expect(p).toMatchObject({ short_set: '0', head: 'ok', tail: 'ok', peek: 'ok', long_set: '0' });
    expect(fixed(p)).toBe(true);
  });

  it('at the XSAVE size of a CPU with AMX (11,008 bytes, simulated): refused alone, fixed with the shim', () => {
    const alone = probe(exe, [amx]);
    expect(alone.size).toBe('11008');
    expect(alone.short_set).toBe(EFAULT);
    const withShim = probe(exe, [shim, amx]);
    expect(withShim.size).toBe('11008');
    expect(fixed(withShim)).toBe(true);
  });

  it('the library lab, tests and benchmarks load is built from the current source', () => {
    expect(shim).toBe(shimPaths()!.library);
  });

  it('without a compiler the build says in one line what to install', () => {
    const paths = shimPaths()!;
    expect(() => compileShim(paths.source, join(dir, 'never.so'), 'no-such-cc')).toThrow(
      /^no-such-cc is not installed: apt-get install gcc libc6-dev \(\.ci\/setup and lab\/run do it as root\)$/,
    );
  });

  it.each(MUTANTS)('a mutant that %s fails the verdict', (_what, find, replace) => {
    const source = readFileSync(shimPaths()!.source, 'utf8');
    expect(source).toContain(find);
    const mutant = join(dir, `mutant-${MUTANTS.findIndex((m) => m[1] === find && m[2] === replace)}`);
    writeFileSync(`${mutant}.c`, source.replace(find, replace));
    compileShim(`${mutant}.c`, `${mutant}.so`);
    expect(fixed(probe(exe, [`${mutant}.so`]))).toBe(false);
    expect(fixed(probe(exe, [`${mutant}.so`, amx]))).toBe(false);
  });
});
