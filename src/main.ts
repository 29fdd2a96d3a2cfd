/**
 * Process entry: dispatches argv to a command module. This is the only module that reads
 * process.argv; each command module exports `run(args): Promise<number>` returning the exit code.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { setV8Flag } from './util/v8-flags.js';

// fs and v8 (src/util/v8-flags.ts) are taken with process.getBuiltinModule, not ES imports: an ES import of a built-in
// builds a namespace of all its exports and so loads their lazy parts (fs: promises, streams,
// readline). `lvsd ipvs restore < /dev/null`: 3,594 -> 3,524 page faults (median of 9, host); more
// is not saved because koffi itself imports node:fs.

/** The package version, read from package.json next to dist/. */
export function version(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '../../package.json'), join(here, '../package.json')]) {
    try {
      return (JSON.parse(process.getBuiltinModule('node:fs').readFileSync(p, 'utf8')) as { version: string }).version;
    } catch {
      /* try the next layout */
    }
  }
  return '0.0.0';
}

const HELP = `lvsd — health-checking IPVS load balancer with VRRP

Usage:
  lvsd -f FILE [--check | --plan] [--dataplane kernel|memory]
                              run the daemon in the foreground (JSON logs on stdout)
  lvsd ipvs list [--json] [--stats]   show the kernel's IPVS table
  lvsd ipvs save              print the table in ipvsadm -S -n format
  lvsd ipvs restore           apply ipvsadm -R rules read on stdin, in batches
  lvsd --version | --help

See also: lvsctl --help`;

/** Runs the command named by argv and sets process.exitCode; never throws to the caller. */
export async function main(argv: string[], prog: 'lvsd' | 'lvsctl'): Promise<void> {
  try {
    process.exitCode = await dispatch(argv, prog);
  } catch (err) {
    process.stderr.write(`${prog}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

/**
 * V8 settings for the one-shot `lvsd ipvs` commands, never the daemon. Page faults are what a
 * command costs inside user-mode Linux (bench/results/ipvs.md), so both trade a little CPU for
 * fewer freshly touched pages:
 * - the young generation keeps its first size (--semi-space-growth-factor=1): growing it to
 *   16 MB semi-spaces touches new pages that a short process never reuses (restore start-up and
 *   validation of 11,000 rules on the host: 5,015 -> 4,500 faults);
 * - no optimizing compiler (--no-opt): TurboFan's compile memory costs more than its code saves
 *   in one table's worth of work (restore: ~1,500 fewer faults on the host for ~30 ms more CPU).
 * In one UML boot, `lvsd ipvs list` of 10,000 destinations took 2,337 ms with both, 2,511 ms with
 * --no-opt alone and 2,675 ms with the growth setting alone (medians of 5, interleaved).
 * Both flags are read when V8 decides to grow or to optimize, so setting them at run time works.
 */
function oneShotVm(): void {
  setV8Flag('--semi-space-growth-factor=1');
  setV8Flag('--no-opt');
}

async function dispatch(argv: string[], prog: 'lvsd' | 'lvsctl'): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${prog} ${version()}\n`);
    return 0;
  }
  if (prog === 'lvsctl') return (await import('./cli/lvsctl.js')).run(argv);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(HELP + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === 'ipvs') {
    oneShotVm();
    return (await import('./cli/ipvs.js')).run(argv.slice(1));
  }
  return (await import('./cli/daemon.js')).run(argv);
}
