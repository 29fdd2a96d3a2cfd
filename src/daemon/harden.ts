/**
 * What the daemon does to its own process at start, before it opens anything (native/process-limits.ts):
 * not dumpable and RLIMIT_CORE 0 (no core dump and no same-user ptrace of a process holding
 * CAP_NET_ADMIN, its config and its sockets), and RLIMIT_NOFILE's soft limit raised to the hard
 * one. Returns the log fields and the problems (each step is tried; none stops the start).
 */
import type { Logger } from 'pino';

export async function hardenProcess(): Promise<{ fields: Record<string, unknown>; problems: string[] }> {
  const fields: Record<string, unknown> = {};
  const problems: string[] = [];
  let lim: typeof import('../../native/process-limits.js');
  try {
    lim = await import('../../native/process-limits.js');
  } catch (e) {
    return { fields, problems: [`cannot load the libc bindings: ${(e as Error).message}`] };
  }
  const step = (what: string, fn: () => unknown): void => {
    try {
      fields[what] = fn() ?? true;
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  step('dumpable', () => lim.setNotDumpable());
  step('coreLimit', () => (lim.disableCoreDumps(), 0));
  step('openFilesLimit', () => Number(lim.raiseFileLimit().soft));
  return { fields, problems };
}

/** Protects the process (hardenProcess) and logs what it did and could not do. */
export async function hardenedWith(log: Logger): Promise<void> {
  const hardened = await hardenProcess();
  log.debug(hardened.fields, 'process protections');
  for (const p of hardened.problems) log.warn(`cannot protect the process: ${p}`);
}
