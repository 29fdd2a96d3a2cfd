/**
 * Helpers for the daemon's host tests: run bin/lvsd and bin/lvsctl as real processes, real nginx
 * backends on 127.0.0.1 ports, free ports, waiting for conditions. Everything made here is
 * registered for cleanup.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root (tests run from it). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const LVSD = join(ROOT, 'bin/lvsd');
export const LVSCTL = join(ROOT, 'bin/lvsctl');

/** Throws a clear error when dist/ is missing (npm test builds first). */
export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist/bundle/main.cjs')))
    throw new Error('dist/bundle/ is missing: run `npm run build` before the host tests');
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** Polls `fn` every `every` ms until it returns a truthy value or `ms` passes (then throws `what`). */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  ms = 10_000,
  every = 50,
): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A temp dir removed by `cleanup()`. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'lvsd-host-'));
  private procs: ChildProcess[] = [];

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, text: string): string {
    writeFileSync(this.path(name), text);
    return this.path(name);
  }

  /** Tracks a process for cleanup. */
  own<P extends ChildProcess>(p: P): P {
    this.procs.push(p);
    return p;
  }

  /** An nginx serving "name\n" on 127.0.0.1:port (foreground; killed at cleanup). */
  async nginx(name: string, port: number): Promise<ChildProcess> {
    const d = join(this.dir, `nginx-${name}`);
    spawnSync('mkdir', ['-p', d]);
    const conf = `master_process off; worker_processes 1; events { worker_connections 64; }
http { access_log off; server { listen 127.0.0.1:${port}; location / { return 200 "${name}\\n"; } } }`;
    writeFileSync(join(d, 'nginx.conf'), conf);
    const p = this.own(
      spawn(
        'nginx',
        ['-p', d, '-c', join(d, 'nginx.conf'), '-g', `daemon off; pid ${d}/nginx.pid; error_log stderr;`],
        { stdio: 'ignore' },
      ),
    );
    await waitFor(`nginx ${name} on ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/`)).ok);
    return p;
  }

  cleanup(): void {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A running `lvsd -f` process with its JSON log lines. */
export class LvsdProcess {
  readonly proc: ChildProcess;
  readonly lines: Array<Record<string, unknown>> = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  /**
   * Starts lvsd with `args`: inside network namespace `netns` when given (`ip netns exec` keeps the pid),
   * with `env` added to this process's environment, through `cmd` (a wrapper such as setpriv or prlimit
   * ending in node and lvsd; default: node and lvsd).
   */
  constructor(
    scratch: Scratch,
    args: string[],
    opts: { netns?: string; env?: NodeJS.ProcessEnv; cmd?: string[] } = {},
  ) {
    const argv = [...(opts.cmd ?? [process.execPath, LVSD]), ...args];
    if (opts.netns) argv.unshift('ip', 'netns', 'exec', opts.netns);
    this.proc = scratch.own(
      spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: opts.env && { ...process.env, ...opts.env },
      }),
    );
    let buf = '';
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: line });
        }
      }
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((r) => this.proc.once('exit', (code) => r(code)));
  }

  /** Waits for a log line matching `pred`. */
  logged(what: string, pred: (l: Record<string, unknown>) => boolean, ms = 10_000) {
    return waitFor(`log line: ${what} (stderr: ${this.stderr.slice(-500)})`, () => this.lines.find(pred), ms);
  }
}

/** Runs lvsctl synchronously. */
export function lvsctl(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [LVSCTL, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs lvsd synchronously (for --check / --plan). */
export function lvsdSync(args: string[], timeout = 30_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [LVSD, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
