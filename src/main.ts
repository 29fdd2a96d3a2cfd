/**
 * Process entry: dispatches argv to a command module. This is the only module that reads
 * process.argv; each command module exports `run(args): Promise<number>` returning the exit code.
 */
import { oneShotVm, settleExitCode } from './cli/one-shot.js';
import { guardInspector } from './util/inspector-guard.js';

// fs and v8 (src/util/v8-flags.ts) are taken with process.getBuiltinModule, not ES imports: an ES import of a built-in
// builds a namespace of all its exports and so loads their lazy parts (fs: promises, streams,
// readline). `lvsd ipvs restore < /dev/null`: 3,594 -> 3,524 page faults (median of 9, host); more
// is not saved because koffi itself imports node:fs.

export { version } from './util/version.js';
import { version } from './util/version.js';

const HELP = `lvsd — health-checking IPVS load balancer with VRRP

Usage:
  lvsd -f FILE [-t | --check | --plan] [--dataplane kernel|memory] [--log-level LEVEL]
                              run the daemon in the foreground (JSON logs on stdout)
  lvsd ipvs list [--json] [--stats]   show the kernel's IPVS table
  lvsd ipvs save              print the table in ipvsadm -S -n format
  lvsd ipvs restore           apply ipvsadm -R rules read on stdin, in batches
  lvsd import-keepalived FILE [-o OUT.toml] [-i CONFIG_ID]
                              convert a keepalived.conf to an lvsd config (exit 0 all mapped, 3 with findings, 2 unreadable)
  lvsd --version | --help
`;

/** `lvsd --help`: the commands, then every daemon option (the text bad daemon arguments print too). */
export async function helpText(): Promise<string> {
  const { USAGE } = await import('./daemon/args.js');
  const options = USAGE.split('\n').slice(1).join('\n');
  return `${HELP}\nDaemon options:\n${options}\nSee also: lvsctl --help\n`;
}

/** Runs the command named by argv and sets process.exitCode; never throws to the caller. */
export async function main(argv: string[], prog: 'lvsd' | 'lvsctl'): Promise<void> {
  guardInspector(); // first: from here on SIGUSR1 cannot open Node's inspector
  await settleExitCode(prog, () => dispatch(argv, prog));
}

async function dispatch(argv: string[], prog: 'lvsd' | 'lvsctl'): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${prog} ${version()}\n`);
    return 0;
  }
  if (prog === 'lvsctl') return (await import('./cli/lvsctl.js')).run(argv);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(await helpText());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === 'ipvs') {
    oneShotVm();
    return (await import('./cli/ipvs.js')).run(argv.slice(1));
  }
  if (argv[0] === 'import-keepalived') return (await import('./cli/import-keepalived.js')).run(argv.slice(1));
  return (await import('./cli/daemon.js')).run(argv);
}
