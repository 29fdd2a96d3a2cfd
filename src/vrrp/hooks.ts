/**
 * Notify hooks and track scripts: argv run without a shell, killed after a timeout. Never throws;
 * the outcome is returned for logging.
 */
import { spawn } from 'node:child_process';

/** How a hook run ended. */
export interface HookResult {
  ok: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  error?: string;
}

/** Runs argv with extra environment variables; resolves when it exits or is killed at `timeoutMs`. */
export function runArgv(argv: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<HookResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let child;
    try {
      child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore', shell: false });
    } catch (e) {
      return resolve({ ok: false, code: null, signal: null, timedOut: false, error: (e as Error).message });
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, code: null, signal: null, timedOut, error: e.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && !timedOut, code, signal, timedOut });
    });
  });
}
