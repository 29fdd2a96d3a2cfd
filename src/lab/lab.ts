/**
 * The running lab inside the guest: its processes (nginx, lvsd, the client loop) and the probes
 * the story uses to see what happened (ipvsadm -Ln, the VIP on an interface, the client's counts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { ClientReport } from './client.js';
import { killGroup, Progress, run, runIn, startIn } from './guest.js';
import { parseIpvsadmList, type ViewService } from './ipvsadm-view.js';
import type { StepResult, Timings } from './summary.js';
import { countsLine } from './summary.js';
import { BACKENDS, CLIENT, LBS, NGINX_CONF, RUN_DIR, VIP } from './topology.js';

/** The client loop process and its latest report. */
export interface ClientHandle {
  proc: ChildProcess;
  report: ClientReport;
  send(cmd: string): void;
}

/** Everything the story steps share. */
export class Lab {
  readonly nginx = new Map<string, ChildProcess>();
  readonly lvsd = new Map<string, ChildProcess>();
  readonly timings: Timings = {};
  readonly steps: StepResult[] = [];
  client?: ClientHandle;

  constructor(
    readonly root: string,
    readonly short: boolean,
    readonly progress: Progress,
  ) {}

  say(line: string): void {
    this.progress.say(line);
  }

  /** Prints the running count line (requests per backend, failures). */
  counts(): void {
    if (this.client) this.say(countsLine(this.client.report));
  }

  /** The client's latest cumulative report (zeros before it started). */
  report(): ClientReport {
    return this.client?.report ?? { sent: 0, failed: 0, byBackend: {}, maxGapMs: 0, failures: [] };
  }

  /** Starts nginx in backend namespace `name`, answering with `name` as its host name. */
  startNginx(name: string): void {
    const prefix = join(RUN_DIR, name);
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    const argv = [
      'nginx',
      '-p',
      prefix,
      '-c',
      join(this.root, NGINX_CONF),
      '-g',
      `daemon off; pid ${prefix}/nginx.pid;`,
    ];
    this.nginx.set(name, startIn(name, argv, join(RUN_DIR, `${name}.nginx.log`), name));
  }

  /** Kills backend `name`'s nginx (master and workers) with SIGKILL. */
  killNginx(name: string): void {
    const p = this.nginx.get(name);
    if (p) killGroup(p, 'SIGKILL');
  }

  /** Path of load balancer `name`'s working config (a copy of conf/lab/NAME.toml the story may edit). */
  configPath(name: string): string {
    return join(RUN_DIR, `${name}.toml`);
  }

  /** Starts `lvsd -f` in load-balancer namespace `name` with a copy of its conf/lab config. */
  startLvsd(name: string): void {
    const lb = LBS.find((l) => l.name === name)!;
    copyFileSync(join(this.root, lb.conf), this.configPath(name));
    const argv = [join(this.root, 'bin/lvsd'), '-f', this.configPath(name)];
    this.lvsd.set(name, startIn(name, argv, this.logPath(name)));
  }

  /** Log file of load balancer `name`'s lvsd. */
  logPath(name: string): string {
    return join(RUN_DIR, `${name}.log`);
  }

  /** The last `n` lines of lvsd's log on load balancer `name` (for explaining a failure). */
  logTail(name: string, n = 8): string[] {
    const f = this.logPath(name);
    return existsSync(f) ? readFileSync(f, 'utf8').trimEnd().split('\n').slice(-n) : ['(no log)'];
  }

  /** Lines explaining the state of lvsd on `name` (running or exited, and its last log lines). */
  explain(name: string): string[] {
    const p = this.lvsd.get(name);
    const state = !p
      ? 'was never started'
      : p.exitCode !== null || p.signalCode !== null
        ? `exited (${p.exitCode ?? p.signalCode})`
        : 'is running';
    return [
      `   lvsd on ${name} ${state}; last lines of its log:`,
      ...this.logTail(name, 5).map((l) => `     ${l.slice(0, 300)}`),
    ];
  }

  /**
   * When lvsd on `name` logged its VRRP transition to MASTER after `since` (epoch ms, the guest's
   * clock), from its JSON log; undefined if it has not (yet).
   */
  masterAt(name: string, since: number): number | undefined {
    for (const line of this.logTail(name, 400).reverse()) {
      if (!line.includes('"MASTER"')) continue;
      try {
        const rec = JSON.parse(line) as { time?: number | string; to?: string };
        // lvsd logs ISO times; a number is an older lvsd's epoch milliseconds
        const time = typeof rec.time === 'string' ? Date.parse(rec.time) : rec.time;
        if (rec.to === 'MASTER' && typeof time === 'number' && time >= since) return time;
      } catch {
        /* not a JSON log line */
      }
    }
    return undefined;
  }

  /** `ipvsadm -Ln` in load-balancer namespace `name`, parsed; undefined if ipvsadm failed. */
  async view(name: string): Promise<ViewService[] | undefined> {
    const r = await runIn(name, 'ipvsadm', ['-Ln']);
    return r.ok ? parseIpvsadmList(r.out) : undefined;
  }

  /** Whether namespace `name` holds the VIP on eth0. */
  async hasVip(name: string): Promise<boolean> {
    const r = await run('ip', ['-n', name, '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    return r.ok && r.out.includes(` ${VIP}/`);
  }

  /** Starts the request loop in the client namespace against `urls`; reports update `report()`. */
  startClient(urls: string[]): void {
    const argv = ['netns', 'exec', CLIENT.name, 'node', join(this.root, 'dist/src/lab/client.js'), ...urls];
    const err = openSync(join(RUN_DIR, 'client.log'), 'a');
    const proc = spawn('ip', argv, { detached: true, stdio: ['pipe', 'pipe', err] });
    const handle: ClientHandle = { proc, report: this.report(), send: (cmd) => proc.stdin?.write(cmd + '\n') };
    onLines(proc, (line) => {
      try {
        handle.report = JSON.parse(line) as ClientReport;
      } catch {
        /* a partial line at exit: keep the previous report */
      }
    });
    this.client = handle;
  }

  /** Stops every process the lab started (best effort; the guest halts afterwards anyway). */
  stopAll(): void {
    if (this.client) killGroup(this.client.proc);
    for (const p of [...this.lvsd.values(), ...this.nginx.values()]) killGroup(p);
  }
}

/** The IPVS key (as `ipvsadm -Ln` prints it) of the lab's port-80 service. */
export const WEB_KEY = `TCP ${VIP}:80`;
/** "address:80" of backend `name` as `ipvsadm -Ln` lists it. */
export const backendAddr = (name: string): string => `${BACKENDS.find((b) => b.name === name)!.addr}:80`;

/** Wires a readline over a child's stdout into `onLine` (used for the client's JSON reports). */
export function onLines(p: ChildProcess, onLine: (line: string) => void): void {
  if (p.stdout) createInterface({ input: p.stdout }).on('line', onLine);
}
