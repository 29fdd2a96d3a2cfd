/**
 * Helpers for the daemon benchmarks: run bin/lvsd as a process and follow its JSON log, generate
 * big configs, small statistics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench runs from dist/bench). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A temp dir. */
export function scratch(tag: string): { dir: string; rm: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lvsd-bench-${tag}-`));
  return { dir, rm: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running lvsd with its log lines (each with the host time it arrived). */
export class Lvsd {
  readonly proc: ChildProcess;
  readonly lines: Array<{ at: number; l: Record<string, unknown> }> = [];
  private waiters: Array<() => void> = [];

  /** `netns`: run it inside that network namespace (`ip netns exec`, which execs: the pid stays lvsd's). */
  constructor(args: string[], env: NodeJS.ProcessEnv = process.env, netns?: string) {
    // BENCH_LVSD_NODE_ARGS: Node flags for the daemon only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
    // (flags NODE_OPTIONS refuses; the profile is written when lvsd exits on the SIGTERM of stop()).
    const nodeArgs = (env.BENCH_LVSD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const argv = [...nodeArgs, join(ROOT, 'bin/lvsd'), ...args];
    this.proc = netns
      ? spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let buf = '';
    // BENCH_LVSD_STDOUT=PATH: also keep the daemon's whole stdout (e.g. with --trace-gc) in PATH
    const tee = env.BENCH_LVSD_STDOUT ? createWriteStream(env.BENCH_LVSD_STDOUT) : undefined;
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      tee?.write(c);
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.lines.push({ at: Date.now(), l: JSON.parse(line) as Record<string, unknown> });
        } catch {
          /* not JSON */
        }
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the first line at index ≥ from matching pred (waits up to ms). */
  async next(
    pred: (l: Record<string, unknown>) => boolean,
    from = 0,
    ms = 120_000,
  ): Promise<{ at: number; l: Record<string, unknown>; i: number }> {
    const end = Date.now() + ms;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (pred(this.lines[i].l)) return { ...this.lines[i], i };
      if (Date.now() > end) throw new Error('timed out waiting for a log line');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  /** SIGTERM and wait for exit. */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const done = new Promise<number | null>((r) => this.proc.once('exit', (c) => r(c)));
    this.proc.kill('SIGTERM');
    return done;
  }
}

/** n-th percentile (0-100) of numbers. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Config text with `services` virtual servers × `dests` real servers (no checks unless given). */
/** Real servers are 127.x.y.z unless DEST_NET=10.200 (then 10.200.y.z: not local, for the kernel dataplane). */
export function bigConfig(o: {
  dir: string;
  services: number;
  dests: number;
  weight?: (s: number, d: number) => number;
  check?: string;
  resync?: string;
}): string {
  const net = process.env.DEST_NET;
  const out = [
    `[global]\nrouter_id = "bench"\ncontrol_socket = "${o.dir}/lvsd.sock"\nstate_file = "${o.dir}/state.json"\nresync_interval = "${o.resync ?? '1h'}"\nlog_level = "info"\n`,
  ];
  for (let s = 0; s < o.services; s++) {
    const vip = `10.${100 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`;
    out.push(`[[virtual_server]]\nname = "vs${s}"\naddress = "${vip}"\nport = 80\nscheduler = "wrr"\n${o.check ?? ''}`);
    for (let d = 0; d < o.dests; d++) {
      const n = s * o.dests + d;
      const addr = net
        ? `${net}.${((n + 1) >> 8) & 255}.${(n + 1) & 255}`
        : `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      out.push(
        `  [[virtual_server.real_server]]\n  address = "${addr}"\n  port = 8080\n  weight = ${o.weight?.(s, d) ?? 100}\n`,
      );
    }
  }
  return out.join('\n');
}
