/**
 * script: run an argv (no shell) with a timeout; the whole process group is killed on timeout.
 * Exit 0 = up. With `dynamic`, the exit code gives a weight like keepalived's misc_dynamic:
 * 0 = up (weight unchanged), 1 = down, 2..255 = up with weight code-2.
 */
import { spawn } from 'node:child_process';
import { type Checker, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import { scriptSchema, type ScriptSpec } from './schemas/script.js';

export { scriptSchema, type ScriptSpec };

/** Default limit of scripts running at once (per engine). */
export const DEFAULT_MAX_SCRIPTS = 16;

/** A counting semaphore whose waiters give up when their signal aborts. */
class Slots {
  private used = 0;
  private waiters: Array<() => void> = [];
  constructor(private readonly max: number) {}

  acquire(signal: AbortSignal): Promise<boolean> {
    if (this.used < this.max) return Promise.resolve(!!++this.used);
    return new Promise((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', give);
        this.used++;
        resolve(true);
      };
      const give = (): void => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(false);
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', give, { once: true });
    });
  }

  release(): void {
    this.used--;
    this.waiters.shift()?.();
  }
}

/** Maps an exit to a result: plain (0 = up) or dynamic (keepalived misc_dynamic). */
export function exitResult(code: number | null, sig: string | null, dynamic: boolean, output: string): ProbeResult {
  const tail = output.trim() ? `: ${output.trim().slice(-200)}` : '';
  if (code === null) return { ok: false, detail: `script killed by ${sig ?? 'a signal'}${tail}` };
  if (code === 0) return { ok: true, detail: `script exited 0${tail}` };
  if (!dynamic || code === 1) return { ok: false, detail: `script exited ${code}${tail}` };
  return { ok: true, detail: `script exited ${code} (weight ${code - 2})${tail}`, weight: code - 2 };
}

/** Kills the whole process group of a detached child (the script and everything it started). */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function run(target: ProbeTarget, spec: ScriptSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, LVSD_RS_ADDRESS: target.server.address, LVSD_RS_PORT: String(target.server.port) };
    const child = spawn(spec.command[0], spec.command.slice(1), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    const keep = (b: Buffer): void => void (output = (output + b.toString('utf8')).slice(-1024));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const onAbort = (): void => killGroup(child.pid);
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      resolve(failure(`cannot run ${spec.command[0]}: ${e.code ?? e.message}`, e));
    });
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) killGroup(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(exitResult(code, sig, spec.dynamic, output));
    });
  });
}

/** Makes a script checker allowing at most `maxConcurrent` scripts at once (waiting counts toward the timeout). */
export function createScriptChecker(maxConcurrent = DEFAULT_MAX_SCRIPTS): Checker<ScriptSpec> {
  const slots = new Slots(Math.max(1, maxConcurrent));
  return {
    kind: 'script',
    schema: scriptSchema,
    async probe(target, spec, signal) {
      if (!(await slots.acquire(signal)))
        return failure(`no free script slot (limit ${maxConcurrent})`, { code: 'ENOBUFS' });
      try {
        return await run(target, spec, signal);
      } finally {
        slots.release();
      }
    },
    describeTimeout: (_t, spec) => `script ${spec.command[0]} did not finish (process group killed)`,
  };
}
