/**
 * `lvsd -f FILE ...`: parses the daemon's command line (src/daemon/args.ts) and runs the mode it
 * names: the daemon in the foreground (run.ts), `--check` or `--plan` (check.ts).
 * Exit codes: 0 ok, 1 runtime failure (e.g. IPVS not available), 2 bad usage or invalid config.
 */
import { parseDaemonArgs, USAGE, type DaemonArgs } from '../daemon/args.js';

/** Entry point used by src/main.ts; returns the exit code (the daemon mode resolves at shutdown). */
export async function run(argv: string[]): Promise<number> {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(argv);
  } catch (e) {
    process.stderr.write(`lvsd: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.mode === 'check') return (await import('../daemon/check.js')).check(args);
  if (args.mode === 'plan') return (await import('../daemon/check.js')).plan(args);
  const code = await (await import('../daemon/run.js')).runDaemon(args);
  // Everything the daemon opened is closed by now; should some handle still hold the event loop,
  // the process must end anyway (a daemon that stopped or failed to start must not linger).
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
