/**
 * The ptrace shim user-mode Linux is started with (src/lab/uml-xstate-shim.c, loaded by LD_PRELOAD):
 * it lets the guest boot on hosts whose XSAVE state is larger than UML's buffer (CPUs with AMX),
 * and does nothing elsewhere (bench/uml-boot.ts measures both). Built with gcc by .ci/setup and
 * lab/run, or here on first use; the library's name carries a hash of its source, so an edited
 * source is rebuilt and never confused with an old build.
 *
 *   node dist/src/lab/uml-shim.js      builds it if needed and prints its path (exit 1 and one line if it cannot)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

/** Where the shim's source is and where its library is (or will be) built. */
export interface ShimPaths {
  source: string;
  library: string;
}

/** The shim for the checkout at `root`: a library path, or why there is none (one line, with what to do). */
export type Shim = { library: string; problem?: undefined } | { library?: undefined; problem: string };

const SOURCE = 'src/lab/uml-xstate-shim.c';
const CACHE_DIR = '.cache/uml';
/** What gcc is told; -Werror so that a warning in the shim fails the build loudly. */
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC'];

/** The shim's source and library paths for the checkout at `root` (undefined library: no source). */
export function shimPaths(root = repoRoot()): ShimPaths | undefined {
  const source = join(root, SOURCE);
  if (!existsSync(source)) return undefined;
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  return { source, library: join(root, CACHE_DIR, `xstate-shim-${hash}.so`) };
}

/**
 * Compiles `source` into `library` with gcc (to a temporary name first, then renamed, so concurrent
 * builders never load a half-written file). Throws an Error whose message is one line naming the
 * problem and what to do.
 */
export function compileShim(source: string, library: string, cc = 'gcc'): void {
  mkdirSync(join(library, '..'), { recursive: true });
  const tmp = `${library}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    execFileSync(cc, [...CFLAGS, '-o', tmp, source], { stdio: ['ignore', 'pipe', 'pipe'] });
    renameSync(tmp, library);
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT')
      throw new Error(`${cc} is not installed: apt-get install gcc libc6-dev (.ci/setup and lab/run do it as root)`);
    const first = (err.stderr?.toString() ?? err.message).trim().split('\n')[0];
    throw new Error(`${cc} could not build ${source}: ${first} (is libc6-dev installed?)`);
  }
}

/** The shim for the checkout at `root`, built now if it is missing (needs gcc). Never throws. */
export function ensureShim(root = repoRoot()): Shim {
  const paths = shimPaths(root);
  if (!paths) return { problem: `its source ${join(root, SOURCE)} is missing (run the lab and tests from a clone)` };
  if (existsSync(paths.library)) return { library: paths.library };
  try {
    compileShim(paths.source, paths.library);
    return { library: paths.library };
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

/** LD_PRELOAD for a linux.uml child: the shim first, then `extra` (e.g. a test's host simulator). */
export function preloadValue(shim: Shim, extra: string[] = []): string | undefined {
  const libs = [...(shim.library ? [shim.library] : []), ...extra];
  return libs.length ? libs.join(' ') : undefined;
}

if (process.argv[1]?.endsWith('/lab/uml-shim.js')) {
  const shim = ensureShim();
  if (shim.library) process.stdout.write(`${shim.library}\n`);
  else {
    process.stderr.write(`the ptrace shim for user-mode Linux could not be built: ${shim.problem}\n`);
    process.exit(1);
  }
}
