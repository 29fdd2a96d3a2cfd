/**
 * Every signal the daemon can receive, and what it does with it. Each signal Node lets JavaScript
 * handle has a handler here, so none kills lvsd by its default action without a log line:
 *   SIGHUP                   reload the config file
 *   SIGTERM SIGINT SIGQUIT   clean stop: probes, VRRP priority-0 advert and VIPs released, exit 0
 *   SIGABRT SIGTRAP SIGSYS   fatal: logged, then the same clean stop (VIPs released), exit 1
 *   SIGUSR1                  status summary to the log (keepalived's habit); never Node's inspector
 *   SIGUSR2                  process and probe-engine counters to the log
 *   SIGALRM SIGVTALRM SIGPROF SIGSTKFLT SIGIO SIGPWR SIGXCPU SIGXFSZ SIGTSTP SIGTTIN SIGTTOU
 *                            ignored, with a log line (the first, then at most one per minute per signal)
 *   SIGPIPE                  ignored by Node itself (a write to a closed peer is an EPIPE error)
 *   SIGCHLD SIGCONT SIGURG SIGWINCH   their default action is to do nothing; left so
 * `UNHANDLED` lists the ones no process can handle or that cannot be handled safely: they end
 * lvsd without cleanup, and the VRRP backup takes over after its master-down interval.
 */

/** What the daemon does on a signal. */
export type SignalAction = 'reload' | 'stop' | 'fatal' | 'status' | 'counters' | 'ignore';

/** The handled signals (Node's names; SIGIOT and SIGPOLL are the same numbers as SIGABRT and SIGIO). */
export const SIGNAL_ACTIONS: Readonly<Record<string, SignalAction>> = {
  SIGHUP: 'reload',
  SIGTERM: 'stop',
  SIGINT: 'stop',
  SIGQUIT: 'stop',
  SIGABRT: 'fatal',
  SIGTRAP: 'fatal',
  SIGSYS: 'fatal',
  SIGUSR1: 'status',
  SIGUSR2: 'counters',
  SIGALRM: 'ignore',
  SIGVTALRM: 'ignore',
  SIGPROF: 'ignore',
  SIGSTKFLT: 'ignore',
  SIGIO: 'ignore',
  SIGPWR: 'ignore',
  SIGXCPU: 'ignore',
  SIGXFSZ: 'ignore',
  SIGTSTP: 'ignore',
  SIGTTIN: 'ignore',
  SIGTTOU: 'ignore',
};

/** Signals left to their default action, which is harmless (Node ignores SIGPIPE; the rest do nothing). */
export const DEFAULT_HARMLESS: readonly string[] = ['SIGPIPE', 'SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH'];

/**
 * Signals that end (or stop) lvsd without cleanup, each with why it is not handled. Real-time
 * signals (SIGRTMIN..SIGRTMAX) belong here too: Node cannot listen for them.
 */
export const UNHANDLED: Readonly<Record<string, string>> = {
  SIGKILL: 'cannot be caught',
  SIGSTOP: 'cannot be caught (stops the process until SIGCONT)',
  SIGSEGV: 'a real fault leaves the process unable to run JavaScript safely',
  SIGBUS: 'a real fault leaves the process unable to run JavaScript safely',
  SIGFPE: 'a real fault leaves the process unable to run JavaScript safely',
  SIGILL: 'a real fault leaves the process unable to run JavaScript safely',
};

/** Aliases Node lists under a second name (same signal number). */
const ALIASES = new Set(['SIGIOT', 'SIGPOLL']);

/** Minimum time between two log lines for the same ignored signal. */
export const IGNORED_LOG_EVERY_MS = 60_000;

/**
 * Installs one listener per handled signal, for the life of the process (a signal whose last
 * listener is removed gets its default action back, which for most of them is to terminate).
 */
export function onSignals(
  handle: (action: SignalAction, signal: string) => void,
  execArgv: readonly string[] = process.execArgv,
): void {
  const profiling = profilerOwnsSigprof(execArgv);
  for (const [sig, action] of Object.entries(SIGNAL_ACTIONS))
    if (!(sig === 'SIGPROF' && profiling)) process.on(sig as NodeJS.Signals, () => handle(action, sig));
}

/**
 * True when Node was started with V8's sampling profiler (`--cpu-prof`, `--prof`): it samples on
 * SIGPROF, so a JavaScript listener for SIGPROF would take the signal from it and the profile would
 * come out empty. Then SIGPROF is left to the profiler.
 */
export function profilerOwnsSigprof(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => a === '--cpu-prof' || a === '--prof' || a.startsWith('--cpu-prof='));
}

/** True when `name` (a key of os.constants.signals) is covered by the three lists above. */
export function isAccountedFor(name: string): boolean {
  return name in SIGNAL_ACTIONS || DEFAULT_HARMLESS.includes(name) || name in UNHANDLED || ALIASES.has(name);
}

/** Rate limit for the "ignored" log line: returns how many were suppressed, or undefined to stay quiet. */
export class IgnoredSignalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  /** Records one `signal` at `now`; returns the count to log (0 = first or first since the window), or undefined. */
  note(signal: string, now: number): number | undefined {
    const l = this.last.get(signal);
    if (l && now - l.at < IGNORED_LOG_EVERY_MS) {
      l.suppressed++;
      return undefined;
    }
    this.last.set(signal, { at: now, suppressed: 0 });
    return l?.suppressed ?? 0;
  }
}
