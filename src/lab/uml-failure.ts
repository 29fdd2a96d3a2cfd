/**
 * Why a user-mode Linux guest did not run its script, in one line that names the cause and what to
 * do, from what the runner saw: the guest console (kernel messages), whether the init script got
 * to the caller's script and finished it, the deadline, and whether the ptrace shim was loaded.
 * Pure: the lab prints the line, kernel tests fail with it, instead of a kernel stack dump.
 */
import type { Shim } from './uml-shim.js';

/** What the runner knows after a guest ended. */
export interface BootFacts {
  /** The guest console (kernel messages and init's output). */
  console: string;
  /** init got as far as starting the caller's script. */
  scriptStarted: boolean;
  /** The script ran to its end (its exit code was written, whatever it was). */
  scriptEnded: boolean;
  timedOut: boolean;
  timeoutMs: number;
  /** What init itself found wrong before the script (e.g. IPVS not loading), if anything. */
  initProblem?: string;
  /** The ptrace shim the guest was started with, or why there was none. */
  shim: Shim;
}

/** What to do when the guest kernel cannot exec init, by the kernel's error number. */
const INIT_ERRORS: Record<string, string> = {
  '-2': "the guest sees the host's / as its root, so the file must exist on the host (was its temp directory removed?)",
  '-13': 'its directory must allow exec: set TMPDIR to a directory that is not on a noexec mount',
};

const SHIM_FIX = 'run .ci/setup or ./lab/run as root (they install gcc and build it)';

/** One-line reason the guest could not run its script; undefined when the script ran (or hung on its own). */
export function bootFailure(f: BootFacts): string | undefined {
  if (f.scriptEnded) return undefined;
  if (f.initProblem)
    return `the guest could not load IPVS (${f.initProblem}): reinstall user-mode-linux (its modules in /usr/lib/uml/modules must match /usr/bin/linux.uml)`;
  const panic = consoleCause(f);
  if (panic) return panic;
  if (f.scriptStarted) return f.timedOut ? undefined : `the guest ended while its script ran${lastLine(f.console)}`;
  if (f.timedOut)
    return `the guest did not get to its script within ${Math.round(f.timeoutMs / 1000)} s (an overloaded machine, or a boot that hangs)${lastLine(f.console)}`;
  return `the guest stopped before its script started${lastLine(f.console)}`;
}

/** A cause recognised in the console text, if any. */
function consoleCause(f: BootFacts): string | undefined {
  const c = f.console;
  const fp = /ptrace (set|get) fp regs failed, errno = (\d+)/.exec(c);
  if (fp) {
    const what = `the guest kernel died at its first process: the host refused UML's ptrace ${fp[1]} of the FPU state (errno ${fp[2]}), as on CPUs with AMX whose XSAVE state is larger than UML's buffer`;
    return f.shim.library
      ? `${what}, although the ptrace shim ${f.shim.library} was loaded: keep the console output and report it`
      : `${what}; the ptrace shim that fixes this was not loaded (${f.shim.problem}): ${SHIM_FIX}`;
  }
  const init = /Requested init (\S+) failed \(error (-?\d+)\)/.exec(c);
  if (init)
    return `the guest could not execute its init script ${init[1]} (error ${init[2]}): ${INIT_ERRORS[init[2]] ?? INIT_ERRORS['-13']}`;
  if (c.includes('UML ran out of memory on the host side'))
    return 'the guest ran out of host memory (or vm.max_map_count was reached): free memory or run fewer guests at once';
  if (/Out of memory/.test(c) && /Kernel panic/.test(c))
    return `the guest ran out of memory: give it more (mem=, UmlOptions.mem)${panicLine(c)}`;
  if (c.includes('VFS: Unable to mount root fs'))
    return 'the guest could not mount the host filesystem as its root (hostfs): is this the user-mode-linux package from Debian?';
  const panic = panicLine(c);
  if (panic) return `the guest kernel panicked${panic}`;
  return undefined;
}

function panicLine(c: string): string {
  const m = /Kernel panic - not syncing: ([^\n]*)/.exec(c);
  return m ? `: "${m[1].trim()}"` : '';
}

function lastLine(c: string): string {
  const lines = c
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length ? `; last console line: "${lines[lines.length - 1].slice(0, 200)}"` : '';
}
