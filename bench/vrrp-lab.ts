/**
 * A VRRP lab for host tests and benchmarks (bench/ so the compiled benchmarks can use it): namespaces joined by a bridge (hub), lvsd (the
 * standalone VRRP process from dist/) or keepalived 2.2.7 (-P) as routers, a client namespace.
 * Everything is torn down by `close()`, also after failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bridge, Netns, sh } from '../test/support/netns.js';

/** The standalone VRRP process the lab runs; LVSD_VRRP_STANDALONE selects another build (for a contrast run). */
export const STANDALONE = process.env.LVSD_VRRP_STANDALONE ?? resolve('dist/src/vrrp/standalone.js');

/** One VRRP router process. */
export interface Router {
  kind: 'lvsd' | 'keepalived';
  ns: Netns;
  mac: string;
  addr: string;
  proc?: ChildProcess;
  /** lvsd: parsed stdout events. */
  events: Array<Record<string, unknown>>;
  stderr: string[];
}

/** Instance parameters shared by both implementations. */
export interface Inst {
  vrid: number;
  priority: number;
  version: 2 | 3;
  intervalMs: number;
  vips: string[];
  password?: string;
  peers?: string[];
  preempt?: boolean;
  src?: string;
  extra?: Record<string, unknown>;
}

let labs = 0;

/** A bridge with routers lb1..n (10.99.X.11..) and a client (10.99.X.100). */
export class Lab {
  readonly hub: Netns;
  readonly client: Netns;
  readonly routers: Router[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'lvsd-vrrp-'));
  readonly net: string;

  constructor(tag: string, n = 2, opts: { ipv6?: boolean } = {}) {
    const id = ((process.pid * 7 + ++labs) % 200) + 20;
    this.net = `10.${id}.0`;
    this.hub = new Netns(`${tag}h`);
    this.client = new Netns(`${tag}c`);
    const members = [];
    for (let i = 1; i <= n; i++) {
      const ns = new Netns(`${tag}${i}`);
      const mac = `02:00:00:00:${id.toString(16).padStart(2, '0')}:0${i}`;
      this.routers.push({ kind: 'lvsd', ns, mac, addr: `${this.net}.${10 + i}`, events: [], stderr: [] });
      members.push({ ns, addr: `${this.net}.${10 + i}/24`, mac });
    }
    members.push({
      ns: this.client,
      addr: `${this.net}.100/24`,
      mac: `02:00:00:00:${id.toString(16).padStart(2, '0')}:64`,
    });
    if (opts.ipv6)
      for (const m of members)
        m.ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    bridge(this.hub, members);
    this.hub.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=' + (opts.ipv6 ? 0 : 1)]);
  }

  /** Starts lvsd on router i (0-based) with the given instance. */
  startLvsd(i: number, inst: Inst, env: Record<string, string> = {}): Router {
    const r = this.routers[i]!;
    const file = join(this.dir, `lvsd${i}.json`);
    writeFileSync(file, JSON.stringify({ router_id: `lb${i + 1}`, vrrp_instance: [lvsdInstance(inst)] }));
    r.kind = 'lvsd';
    r.events = [];
    r.stderr = [];
    const p = spawn('ip', ['netns', 'exec', r.ns.name, process.execPath, STANDALONE, file], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let buf = '';
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let k = buf.indexOf('\n'); k >= 0; k = buf.indexOf('\n')) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 1);
        try {
          r.events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          r.stderr.push(`stdout: ${line}`);
        }
      }
    });
    p.stderr!.on('data', (d: Buffer) => r.stderr.push(d.toString()));
    r.proc = p;
    return r;
  }

  /** Starts keepalived -P on router i with the same instance. */
  startKeepalived(i: number, inst: Inst): Router {
    const conf = join(this.dir, `ka${i}.conf`);
    writeFileSync(conf, keepalivedConf(`lb${i + 1}`, inst));
    return this.startKeepalivedFile(i, conf);
  }

  /** Starts keepalived -P on router i with a configuration file of your own (`args`: e.g. ['-i', 'lb2']). */
  startKeepalivedFile(i: number, conf: string, args: string[] = []): Router {
    const r = this.routers[i]!;
    r.kind = 'keepalived';
    r.events = [];
    r.stderr = [];
    const pid = join(this.dir, `ka${i}`);
    for (const f of [`${pid}.pid`, `${pid}.vrrp.pid`]) rmSync(f, { force: true }); // stale after a kill -9
    const p = spawn(
      'ip',
      [
        'netns',
        'exec',
        r.ns.name,
        'keepalived',
        '-P',
        '-n',
        '-l',
        '-D',
        '-f',
        conf,
        `--pid=${pid}.pid`,
        `--vrrp_pid=${pid}.vrrp.pid`,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    p.stdout!.on('data', (d: Buffer) => r.stderr.push(d.toString()));
    p.stderr!.on('data', (d: Buffer) => r.stderr.push(d.toString()));
    r.proc = p;
    return r;
  }

  /**
   * Signals router i: SIGKILL hits every process in its namespace (a crash); SIGTERM goes to the
   * lvsd process or keepalived's parent (from its pid file), which stops gracefully.
   */
  signal(i: number, sig: NodeJS.Signals): void {
    const r = this.routers[i]!;
    if (sig === 'SIGKILL') {
      for (const pid of sh('ip', ['netns', 'pids', r.ns.name]).split('\n').filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
      return;
    }
    if (r.kind === 'lvsd') r.proc!.kill(sig);
    else process.kill(Number(readFileSync(join(this.dir, `ka${i}.pid`), 'utf8').trim()), sig);
  }

  /** Waits for router i's process to exit. */
  async exited(i: number, ms = 10_000): Promise<void> {
    const p = this.routers[i]!.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`router ${i} did not exit`)), ms);
      p.once('exit', () => {
        clearTimeout(t);
        res();
      });
    });
  }

  /** True when router i has `vip` on eth0. */
  holds(i: number, vip: string): boolean {
    const out = this.routers[i]!.ns.ip('-o', 'addr', 'show', 'dev', 'eth0');
    return out.includes(` ${vip}/`);
  }

  /** The client's neighbour entry MAC for `vip`, or undefined. */
  clientNeigh(vip: string): string | undefined {
    const out = this.client.ip('neigh', 'show', vip);
    return /lladdr ([0-9a-f:]{17})/.exec(out)?.[1];
  }

  /** Indices of the routers currently holding `vip`. */
  holders(vip: string): number[] {
    return this.routers.map((_, i) => i).filter((i) => this.holds(i, vip));
  }

  /** Writes a line to an lvsd router's stdin. */
  tell(i: number, line: string): void {
    this.routers[i]!.proc!.stdin!.write(line + '\n');
  }

  /** Asks lvsd router i for its status (stdin "status") and returns the first instance's. */
  async status(i: number): Promise<Record<string, unknown>> {
    const r = this.routers[i]!;
    const n = r.events.length;
    this.tell(i, 'status');
    await until(() => r.events.slice(n).some((e) => e.ev === 'status'), 3000, 'status reply');
    const e = r.events.slice(n).find((x) => x.ev === 'status') as { status: Array<Record<string, unknown>> };
    return e.status[0]!;
  }

  /** Diagnostics for a failed assertion. */
  dump(): string {
    return this.routers
      .map(
        (r, i) =>
          `--- router ${i} (${r.kind})\n${r.stderr.join('').slice(-3000)}\n${JSON.stringify(r.events.slice(-10))}`,
      )
      .join('\n');
  }

  close(): void {
    for (const r of this.routers) {
      if (r.proc && r.proc.exitCode === null) r.proc.kill('SIGKILL');
      r.ns.cleanup();
    }
    this.client.cleanup();
    this.hub.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `cond` every 10 ms until it holds or `ms` passes (then throws naming `what`). */
export async function until(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (cond()) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The standalone JSON for one instance. */
export function lvsdInstance(i: Inst): Record<string, unknown> {
  return {
    name: `VI_${i.vrid}`,
    interface: 'eth0',
    virtual_router_id: i.vrid,
    priority: i.priority,
    version: i.version,
    advert_interval: `${i.intervalMs}ms`,
    preempt: i.preempt ?? true,
    virtual_ipaddress: i.vips,
    unicast_peers: i.peers ?? [],
    ...(i.src ? { unicast_src_ip: i.src } : {}),
    ...(i.password ? { authentication: { type: 'pass', password: i.password } } : {}),
    ...i.extra,
  };
}

/** keepalived.conf for the same instance. */
export function keepalivedConf(routerId: string, i: Inst): string {
  const lines = [
    `global_defs {\n  router_id ${routerId}\n  vrrp_version ${i.version}\n  vrrp_garp_master_delay 5\n}`,
    `vrrp_instance VI_${i.vrid} {`,
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${i.vrid}`,
    `  priority ${i.priority}`,
    `  advert_int ${i.intervalMs / 1000}`,
  ];
  if (i.preempt === false) lines.push('  nopreempt');
  if (i.password) lines.push(`  authentication {\n    auth_type PASS\n    auth_pass ${i.password}\n  }`);
  if (i.peers?.length) {
    if (i.src) lines.push(`  unicast_src_ip ${i.src}`);
    lines.push(`  unicast_peer {\n${i.peers.map((p) => `    ${p}`).join('\n')}\n  }`);
  }
  lines.push(`  virtual_ipaddress {\n${i.vips.map((v) => `    ${v} dev eth0`).join('\n')}\n  }`, '}');
  return lines.join('\n') + '\n';
}

/** A frame seen by the client's tcpdump. */
export interface Seen {
  /** Kernel receive timestamp, seconds. */
  ts: number;
  mac: string;
  kind: 'vrrp' | 'garp' | 'other';
  prio?: number;
}

/** Runs tcpdump on the client's eth0 (VRRP and ARP frames, or what `filter` selects) and parses what it sees. */
export function sniff(lab: Lab, filter = 'vrrp or arp'): { frames: Seen[]; stop(): void } {
  const frames: Seen[] = [];
  const p = lab.client.spawn('tcpdump', ['-l', '-nn', '-e', '-tt', '-i', 'eth0', filter]);
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let k = buf.indexOf('\n'); k >= 0; k = buf.indexOf('\n')) {
      const line = buf.slice(0, k);
      buf = buf.slice(k + 1);
      const m = /^(\d+\.\d+) ([0-9a-f:]{17}) > /.exec(line);
      if (!m) continue;
      const prio = /VRRPv\d, Advertisement, vrid \d+, prio (\d+)/.exec(line);
      const garp = /Request who-has (\S+) \(ff:ff:ff:ff:ff:ff\) tell (\S+),/.exec(line);
      const kind = prio ? 'vrrp' : garp && garp[1] === garp[2] ? 'garp' : 'other';
      frames.push({ ts: Number(m[1]), mac: m[2]!, kind, prio: prio ? Number(prio[1]) : undefined });
    }
  });
  return { frames, stop: () => p.kill() };
}
