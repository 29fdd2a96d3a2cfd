/**
 * Process plumbing for the lab's story, which runs as root INSIDE the UML guest: run a command,
 * start a long-lived one in a namespace, poll until something holds, and report progress to a
 * host-visible file that the host tails (the guest has no other channel to the host terminal).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, openSync } from 'node:fs';

/** Runs `cmd args` and resolves with stdout (stderr appended on failure, never rejects). */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: err ? `${stdout}${stderr}${err.message}` : stdout });
    });
  });
}

/** Runs `cmd args` inside network namespace `ns`. */
export function runIn(
  ns: string,
  cmd: string,
  args: string[],
  timeoutMs?: number,
): Promise<{ ok: boolean; out: string }> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
}

/**
 * Starts a long-lived process in namespace `ns` (its own process group, so `killGroup` takes
 * its children too), stdout+stderr appended to `logFile`.
 */
export function startIn(ns: string, argv: string[], logFile: string, hostname?: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const inNs = ['ip', 'netns', 'exec', ns, ...argv];
  // nginx answers with its host name; a UTS namespace per backend gives each its own.
  const full = hostname ? ['unshare', '--uts', 'sh', '-c', `hostname ${hostname} && exec "$@"`, 'sh', ...inNs] : inNs;
  return spawn(full[0], full.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
}

/** Sends `signal` to the whole process group of `p` (ignores a group already gone). */
export function killGroup(p: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-p.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** Sleeps `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `probe` every `everyMs` until it returns a value other than undefined, or `timeoutMs`
 * passes (then resolves undefined). `tick` runs after every unsuccessful probe (progress lines).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 200,
  tick?: () => void,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    tick?.();
    await sleep(everyMs);
  }
}

/** Progress reporter: appends lines to the host-visible progress file (and the guest log). */
export class Progress {
  constructor(private readonly file: string) {}

  /** One line a person reads on the host terminal. */
  say(line: string): void {
    appendFileSync(this.file, line + '\n');
    process.stdout.write(line + '\n');
  }
}
