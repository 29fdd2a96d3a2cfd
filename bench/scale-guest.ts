/**
 * The driver of bench/scale-uml.ts, run INSIDE the user-mode Linux guest (root, real IPVS): keepalived
 * and lvsd, each in its own network namespace ("ka", "lv", built by the guest script) on the same
 * generated table (bench/scale-configs.ts), in interleaved rounds. Per daemon and round:
 *  - start → full table: process spawn → the daemon's own "done" mark (keepalived "Startup complete",
 *    lvsd "lvsd started"), then the table is counted and its `ipvsadm -S -n` digest taken;
 *  - RSS after programming (keepalived: parent + checker);
 *  - one weight changed + SIGHUP → the new weight visible in the kernel (bench/scale-poll.ts reads the
 *    service's destinations every 25 ms, as `ipvsadm -Ln -t VIP:80` would) and → the daemon's mark
 *    (keepalived "Reload complete", lvsd the pass that wrote it); CPU per reload (utime + stime ticks of
 *    the daemon's processes from SIGHUP to the mark + 0.5 s);
 *  - no-op SIGHUP → reload complete, with lvsd's netlink writes;
 *  - (first round only) RELOADS reloads, each changing one weight, RSS after each tenth;
 *  - SIGTERM with lvsd on_shutdown = "remove": time to exit and the entries left, counted from the
 *    signal until the table is empty (or 10 s); keepalived's count too.
 * Then, with --checks, the health phase: each daemon alone on the table with a TCP check on every real
 * server (interval SCALE_CHECK_INTERVAL, 5 s), warm-up, then a window in which its CPU and the
 * connections it opened to the backends (the kernel's TCP PassiveOpens counter of the backend
 * namespace) are measured.
 * Writes JSON lines to $OUT/scale.jsonl and a readable log to stdout.
 *   node dist/bench/scale-guest.js ROUNDS RELOADS [--checks] [--no-table] [--keepalived PATH] [--lvsd-noop control|log]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './daemon-util.js';
import { canonicalSave, keepalivedConf, lvsdConf, table2318, type ScaleTable } from './scale-configs.js';

const run = promisify(execFile);
const OUT = process.env.OUT ?? '/tmp';
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const nums = args.filter((a) => /^\d+$/.test(a)).map(Number);
const ROUNDS = nums[0] ?? 2;
const RELOADS = nums[1] ?? 100;
const SERVICES = Number(process.env.SCALE_SERVICES ?? 2284);
const DESTS = Number(process.env.SCALE_DESTS ?? 16);
const CHECKS = args.includes('--checks');
/** SCALE_HEALTH_ONLY=lvsd|keepalived: the health phase of one daemon only (for finding out why one does not start). */
const HEALTH_ONLY = process.env.SCALE_HEALTH_ONLY;
/** SCALE_HEALTH_START (s, default 900): longest wait for a daemon's start in the health phase. */
const HEALTH_START_S = Number(process.env.SCALE_HEALTH_START ?? 900);
const KA_BIN = opt('--keepalived', '/usr/sbin/keepalived');
const LVSD_NOOP = opt('--lvsd-noop', 'log') as 'control' | 'log';
/** Longest wait for the probe rate to settle after the daemon's done mark. */
const HEALTH_WARM_S = Number(process.env.SCALE_HEALTH_WARM ?? 300);
const CHECK_INTERVAL_S = Number(process.env.SCALE_CHECK_INTERVAL ?? 5);
const HEALTH_WINDOW_S = Number(process.env.SCALE_HEALTH_WINDOW ?? 30);
/** The real server whose weight the reloads change. */
const EDIT = { s: Math.min(1000, SERVICES - 1), d: Math.min(3, DESTS - 1) };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function record(o: Record<string, unknown>): void {
  appendFileSync(join(OUT, 'scale.jsonl'), JSON.stringify(o) + '\n');
  console.log(JSON.stringify(o));
}

/** utime + stime of the processes, in ticks (1/100 s). */
function ticks(pids: number[]): number {
  return statSum(pids, (f) => Number(f[11]) + Number(f[12]));
}

/** Minor page faults of the processes (each costs 0.2-0.35 ms inside user-mode Linux). */
function minorFaults(pids: number[]): number {
  return statSum(pids, (f) => Number(f[7]));
}

/** Sum over the processes of a value of /proc/PID/stat's fields after the command name (f[0]: state). */
function statSum(pids: number[], value: (f: string[]) => number): number {
  let t = 0;
  for (const p of pids) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      t += value(st.slice(st.lastIndexOf(')') + 2).split(' '));
    } catch {
      /* exited */
    }
  }
  return t;
}

/** VmRSS of the processes, MB. */
function rssMb(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      kb += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return +(kb / 1024).toFixed(1);
}

/** Direct children of a process. */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `ipvsadm -S -n` of a namespace. */
async function save(ns: string): Promise<string> {
  const r = await run('ip', ['netns', 'exec', ns, 'ipvsadm', '-S', '-n'], { maxBuffer: 64 << 20 });
  return r.stdout;
}

/** Services and destinations in a namespace's table. */
async function count(ns: string): Promise<{ services: number; dests: number }> {
  const text = await save(ns);
  let services = 0,
    dests = 0;
  for (const l of text.split('\n')) {
    if (l.startsWith('-A ')) services++;
    else if (l.startsWith('-a ')) dests++;
  }
  return { services, dests };
}

async function digest(ns: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256')
    .update(canonicalSave(await save(ns)))
    .digest('hex')
    .slice(0, 16);
}

/** A daemon process with its output lines, each stamped with its arrival time. */
class Proc {
  readonly child: ChildProcess;
  readonly lines: Array<{ at: number; text: string }> = [];
  private waiters: Array<() => void> = [];
  exited?: number;

  constructor(cmd: string, argv: string[], stdin: 'ignore' | 'pipe' = 'ignore') {
    this.child = spawn(cmd, argv, { stdio: [stdin, 'pipe', 'pipe'] });
    for (const s of [this.child.stdout!, this.child.stderr!]) {
      let buf = '';
      s.setEncoding('utf8').on('data', (c: string) => {
        const at = now();
        buf += c;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.lines.push({ at, text: buf.slice(0, nl) });
          buf = buf.slice(nl + 1);
        }
        this.wake();
      });
    }
    this.child.on('exit', () => {
      this.exited = now();
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** First line at index ≥ from matching `pred`. */
  async waitLine(
    pred: (t: string) => boolean,
    from: number,
    ms = 600_000,
  ): Promise<{ at: number; i: number; text: string }> {
    const end = now() + ms;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (pred(this.lines[i]!.text)) return { ...this.lines[i]!, i };
      if (this.exited !== undefined) throw new Error(`process exited while waiting; last lines:\n${this.tail()}`);
      if (now() > end) throw new Error(`timed out waiting for a line; last lines:\n${this.tail()}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 250);
      });
    }
  }

  async waitExit(ms: number): Promise<number | undefined> {
    const end = now() + ms;
    while (this.exited === undefined && now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.exited;
  }

  tail(n = 8): string {
    return this.lines
      .slice(-n)
      .map((l) => l.text)
      .join('\n');
  }
}

/** What the benchmark needs to know about one daemon. */
interface Daemon {
  name: 'keepalived' | 'lvsd';
  ns: string;
  /** Writes the config for `t`. */
  write(t: ScaleTable): void;
  start(): Promise<Proc>;
  /** Processes whose CPU and RSS count (keepalived: parent + checker). */
  pids(p: Proc): number[];
  /** The daemon's mark that the reload triggered after line index `from` is complete; `writes` when known. */
  reloaded(
    p: Proc,
    from: number,
    changed: boolean,
  ): Promise<{ at: number; writes?: number; split?: { loadMs: number; passMs: number } }>;
  /** Triggers a reload; resolves when it was sent (lvsd's control request: when it was answered). */
  trigger(p: Proc, changed: boolean): Promise<{ at?: number }>;
}

const LVSD_NODE_ARGS = (process.env.SCALE_LVSD_NODE_ARGS ?? '').split(' ').filter(Boolean);

function keepalived(dir: string): Daemon {
  const conf = join(dir, 'keepalived.conf');
  return {
    name: 'keepalived',
    ns: 'ka',
    write: (t) => writeFileSync(conf, keepalivedConf(t)),
    start: async () => {
      const p = new Proc('ip', [
        'netns',
        'exec',
        'ka',
        KA_BIN,
        '-n',
        '-l',
        '-C',
        '-f',
        conf,
        '-p',
        join(dir, 'k.pid'),
        '-c',
        join(dir, 'kc.pid'),
      ]);
      return p;
    },
    pids: (p) => [p.pid, ...children(p.pid)],
    reloaded: async (p, from) => ({ at: (await p.waitLine((t) => t.includes('Reload complete'), from)).at }),
    trigger: async (p) => {
      p.child.kill('SIGHUP');
      return {};
    },
  };
}

function lvsd(dir: string): Daemon {
  const conf = join(dir, 'lvsd.toml');
  const msg = (t: string): Record<string, unknown> => {
    try {
      return JSON.parse(t) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  return {
    name: 'lvsd',
    ns: 'lv',
    write: (t) => writeFileSync(conf, lvsdConf(t, { dir, onShutdown: 'remove' })),
    // SCALE_LVSD_NODE_ARGS: Node flags for lvsd only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" (written at its exit)
    start: async () =>
      new Proc('ip', ['netns', 'exec', 'lv', process.execPath, ...LVSD_NODE_ARGS, join(ROOT, 'bin/lvsd'), '-f', conf]),
    pids: (p) => [p.pid],
    reloaded: async (p, from, changed) => {
      // 'reload complete' (when the daemon logs it) carries the pass's writes; an older daemon logs
      // only passes that wrote ("reconciled", with ops)
      const l = await p.waitLine((t) => {
        const m = msg(t).msg;
        return m === 'reload complete' || (changed && m === 'reconciled');
      }, from);
      const o = msg(l.text);
      let writes = Number(o.writes ?? o.ops);
      if (o.msg === 'reconciled') writes = Number(o.ops);
      // the daemon's own split of its reload time (file; pass), on its 'reload complete' line (which a
      // weight reload logs right after the pass's "reconciled")
      const done =
        o.msg === 'reload complete' ? o : msg((await p.waitLine((t) => msg(t).msg === 'reload complete', from)).text);
      const split =
        done.loadMs === undefined ? undefined : { loadMs: Number(done.loadMs), passMs: Number(done.passMs) };
      return { at: l.at, writes, split };
    },
    trigger: async (p, changed) => {
      if (changed || LVSD_NOOP === 'log') {
        p.child.kill('SIGHUP');
        return {};
      }
      // the same reload as SIGHUP, over the control socket: answered when the reload's pass is done
      const at = await new Promise<number>((resolve, reject) => {
        const c = connect(join(dir, 'lvsd.sock'));
        let buf = '';
        c.on('connect', () => c.write('{"cmd":"reload"}\n'));
        c.setEncoding('utf8').on('data', (d: string) => (buf += d));
        c.on('end', () => (buf.includes('"ok":true') ? resolve(now()) : reject(new Error(`reload: ${buf}`))));
        c.on('error', reject);
      });
      return { at };
    },
  };
}

const DONE: Record<Daemon['name'], (t: string) => boolean> = {
  keepalived: (t) => t.includes('Startup complete'),
  lvsd: (t) => t.includes('"lvsd started"'),
};

/** Netlink writes of lvsd in the lines after `from` ("reconciled" lines carry ops). */
function lvsdWritesSince(p: Proc, from: number): number {
  let n = 0;
  for (const l of p.lines.slice(from)) {
    const m = /"ops":(\d+).*"msg":"reconciled"/.exec(l.text);
    if (m) n += Number(m[1]);
  }
  return n;
}

async function tablePhase(d: Daemon, round: number, watcher: Proc): Promise<void> {
  const base = table2318({ services: SERVICES, dests: DESTS });
  const vip = base.vip(EDIT.s);
  const rsAddr = base.rs(EDIT.s, EDIT.d);
  let w = 100;
  const withWeight = (x: number): ScaleTable => ({
    ...base,
    weight: (s, dd) => (s === EDIT.s && dd === EDIT.d ? x : 100),
  });
  d.write(withWeight(w));
  const t0 = now();
  const p = await d.start();
  const done = await p.waitLine(DONE[d.name], 0);
  const startMs = done.at - t0;
  const startCpu = ticks(d.pids(p));
  const c = await count(d.ns);
  const dig = await digest(d.ns);
  await sleep(3000);
  const rss0 = rssMb(d.pids(p));
  record({
    phase: 'start',
    daemon: d.name,
    round,
    startMs: Math.round(startMs),
    startCpuS: startCpu / 100,
    ...c,
    digest: dig,
    rssMb: rss0,
  });

  // one weight changed + SIGHUP
  for (let i = 0; i < 3; i++) {
    w = w === 100 ? 101 + i : 100;
    d.write(withWeight(w));
    await sleep(500);
    const from = p.lines.length;
    const c0 = ticks(d.pids(p));
    const f0 = minorFaults(d.pids(p));
    const t = now();
    await d.trigger(p, true);
    const seenFrom = watcher.lines.length;
    watcher.child.stdin!.write(`${vip} ${rsAddr} ${base.rsPort} ${w}\n`);
    const poll = watcher.waitLine((x) => x === 'seen', seenFrom, 120_000);
    const mark = await d.reloaded(p, from, true);
    const visibleAt = (await poll).at;
    await sleep(500);
    const cpu = (ticks(d.pids(p)) - c0) / 100;
    const faults = minorFaults(d.pids(p)) - f0;
    record({
      phase: 'reload-weight',
      daemon: d.name,
      round,
      i,
      visibleMs: Math.round(visibleAt - t),
      markMs: Math.round(mark.at - t),
      cpuS: cpu,
      faults,
      ...mark.split,
      writes: d.name === 'lvsd' ? lvsdWritesSince(p, from) : undefined,
    });
  }

  // no-op reload
  for (let i = 0; i < 3; i++) {
    d.write(withWeight(w));
    await sleep(500);
    const from = p.lines.length;
    const c0 = ticks(d.pids(p));
    const t = now();
    const trig = await d.trigger(p, false);
    const at = trig.at ?? (await d.reloaded(p, from, false)).at;
    await sleep(500);
    const cpu = (ticks(d.pids(p)) - c0) / 100;
    record({
      phase: 'reload-noop',
      daemon: d.name,
      round,
      i,
      markMs: Math.round(at - t),
      cpuS: cpu,
      writes: d.name === 'lvsd' ? lvsdWritesSince(p, from) : undefined,
    });
  }

  // many reloads: RSS
  if (round === 1 && RELOADS > 0) {
    const samples: Array<[number, number]> = [[0, rssMb(d.pids(p))]];
    const t = now();
    const each: number[] = [];
    for (let i = 1; i <= RELOADS; i++) {
      w = w === 100 ? 100 + (i % 50) + 1 : 100;
      d.write(withWeight(w));
      const from = p.lines.length;
      const ti = now();
      await d.trigger(p, true);
      await d.reloaded(p, from, true);
      each.push(Math.round(now() - ti));
      if (i === 1 || i % 10 === 0) samples.push([i, rssMb(d.pids(p))]);
    }
    const took = now() - t;
    await sleep(3000);
    samples.push([RELOADS, rssMb(d.pids(p))]);
    const first = samples[1]![1];
    const last = samples.at(-1)![1];
    record({
      phase: 'reloads-rss',
      daemon: d.name,
      round,
      reloads: RELOADS,
      seconds: +(took / 1000).toFixed(1),
      reloadMs: {
        min: Math.min(...each),
        median: each.sort((a, b) => a - b)[each.length >> 1],
        max: Math.max(...each),
      },
      rss: samples,
      growthVsFirstReload: +(last / first - 1).toFixed(4),
      growthVsStart: +(last / samples[0]![1] - 1).toFixed(4),
    });
  }

  // stop: keepalived removes what it added; lvsd with on_shutdown = "remove". The table is counted from
  // the signal on (each count is a whole `ipvsadm -S -n`, itself slow at this size) until it is empty or 10 s.
  const before = await count(d.ns);
  const ts = now();
  p.child.kill('SIGTERM');
  const polls: Array<[number, number]> = [];
  let zeroMs: number | undefined;
  while (now() - ts < 10_000 || p.exited === undefined) {
    const n = await count(d.ns);
    const at = Math.round(now() - ts);
    polls.push([at, n.services + n.dests]);
    if (n.services + n.dests === 0) {
      zeroMs = at;
      if (p.exited !== undefined) break;
    }
    if (now() - ts > 60_000) break;
  }
  const exitAt = (await p.waitExit(60_000)) ?? now();
  const atExit = await count(d.ns);
  const left5 = [...polls].reverse().find(([ms]) => ms <= 5000)?.[1] ?? null;
  record({
    phase: 'stop',
    daemon: d.name,
    round,
    entriesBefore: before.services + before.dests,
    exitMs: Math.round(exitAt - ts),
    leftAfterExit: atExit.services + atExit.dests,
    leftAt5s: left5,
    allGoneMs: zeroMs ?? null,
    polls,
    log: d.name === 'keepalived' ? p.tail(3) : undefined,
  });
  await run('ip', ['netns', 'exec', d.ns, 'ipvsadm', '-C']);
}

/** Connections accepted by the kernel in the backend namespace (Tcp PassiveOpens of /proc/net/snmp). */
async function passiveOpens(): Promise<number> {
  const r = await run('ip', ['netns', 'exec', 'be', 'cat', '/proc/net/snmp']);
  const [head, vals] = r.stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
  const i = head!.split(/\s+/).indexOf('PassiveOpens');
  return Number(vals!.split(/\s+/)[i]);
}

/** What a daemon that has not started is doing: run state, CPU over 5 s, threads, sockets, lines. */
async function stuck(d: Daemon, p: Proc): Promise<string> {
  const pids = d.pids(p);
  const state = (pid: number) => {
    try {
      const st = readFileSync(`/proc/${pid}/status`, 'utf8');
      const f = (k: string) => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(st)?.[1];
      return `pid ${pid} ${f('State')}, threads ${f('Threads')}, RSS ${f('VmRSS')}, wchan ${readFileSync(`/proc/${pid}/wchan`, 'utf8')}`;
    } catch (e) {
      return `pid ${pid}: ${(e as Error).message}`;
    }
  };
  const t0 = ticks(pids);
  await sleep(5000);
  const cores = (ticks(pids) - t0) / 100 / 5;
  const sockets = await run('ip', ['netns', 'exec', d.ns, 'ss', '-s']).then(
    (r) => r.stdout.split('\n').slice(0, 3).join(' / '),
    () => '?',
  );
  return `${d.name} not started: ${pids.map(state).join('; ')}; CPU ${cores.toFixed(2)} cores over 5 s; sockets: ${sockets}; ${p.lines.length} output lines`;
}

async function healthPhase(d: Daemon, round: number): Promise<void> {
  const t = table2318({ services: SERVICES, dests: DESTS, check: { intervalS: CHECK_INTERVAL_S, timeoutS: 2 } });
  d.write(t);
  const t0 = now();
  const p = await d.start();
  // lvsd: its first pass (while checks keep changing verdicts, "lvsd started" can come much later)
  const done = await p
    .waitLine((x) => DONE[d.name](x) || x.includes('"msg":"reconciled"'), 0, HEALTH_START_S * 1000)
    .catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await stuck(d, p)}`);
    });
  // steady state: keepalived activates its checkers after "Startup complete", lvsd attaches its targets
  // over several turns; wait until two 5-s probe rates in a row agree within 15% (at most HEALTH_WARM_S)
  const warmEnd = now() + HEALTH_WARM_S * 1000;
  let prev = -1;
  for (let o = await passiveOpens(); now() < warmEnd;) {
    await sleep(5000);
    const n = await passiveOpens();
    const rate = (n - o) / 5;
    o = n;
    if (rate > 0 && prev > 0 && Math.abs(rate - prev) <= 0.15 * prev) break;
    prev = rate;
  }
  const a = ticks(d.pids(p));
  const s0 = await passiveOpens();
  const ta = now();
  await sleep(HEALTH_WINDOW_S * 1000);
  const b = ticks(d.pids(p));
  const s1 = await passiveOpens();
  const secs = (now() - ta) / 1000;
  const rss = rssMb(d.pids(p));
  const c = await count(d.ns);
  const zero = (await save(d.ns)).split('\n').filter((l) => / -w 0$/.test(l)).length;
  const cores = (b - a) / 100 / secs;
  const probesPerS = (s1 - s0) / secs;
  const downs = p.lines.filter((l) =>
    /Removing service|Disabling service|TCP connection to .* failed|"to":"down".*"msg":"health transition"/.test(
      l.text,
    ),
  ).length;
  writeFileSync(
    join(OUT, `health-${d.name}-${round}.log`),
    p.lines.map((l) => `${Math.round(l.at)} ${l.text}`).join('\n'),
  );
  record({
    phase: 'health',
    daemon: d.name,
    round,
    startMs: Math.round(done.at - t0),
    warmS: Math.round((ta - done.at) / 1000),
    cores: +cores.toFixed(3),
    probesPerS: Math.round(probesPerS),
    expectedPerS: Math.round((SERVICES * DESTS) / CHECK_INTERVAL_S),
    usPerProbe: probesPerS > 0 ? Math.round((cores * 1e6) / probesPerS) : null,
    rssMb: rss,
    ...c,
    weightZero: zero,
    downLines: downs,
  });
  p.child.kill('SIGTERM');
  await p.waitExit(60_000);
  if (p.exited === undefined) p.child.kill('SIGKILL');
  await run('ip', ['netns', 'exec', d.ns, 'ipvsadm', '-C']);
}

async function main(): Promise<void> {
  const dir = join(OUT, 'scale');
  mkdirSync(dir, { recursive: true });
  const k = keepalived(dir);
  const l = lvsd(dir);
  const version = await run(KA_BIN, ['--version']).catch((e: { stderr?: string }) => ({
    stdout: '',
    stderr: e.stderr ?? '',
  }));
  record({
    phase: 'setup',
    services: SERVICES,
    dests: DESTS,
    rounds: ROUNDS,
    reloads: RELOADS,
    keepalived: `${version.stdout}${version.stderr}`.split('\n')[0],
    lvsdNoop: LVSD_NOOP,
  });
  const watchers = new Map<string, Proc>();
  for (const d of [k, l]) {
    const w = new Proc('ip', ['netns', 'exec', d.ns, process.execPath, join(ROOT, 'dist/bench/scale-poll.js')], 'pipe');
    await w.waitLine((x) => x === 'ready', 0, 60_000);
    watchers.set(d.ns, w);
  }
  if (!args.includes('--no-table'))
    for (let r = 1; r <= ROUNDS; r++) {
      const order = r % 2 === 1 ? [k, l] : [l, k];
      for (const d of order) await tablePhase(d, r, watchers.get(d.ns)!);
    }
  for (const w of watchers.values()) w.child.kill();
  if (CHECKS)
    for (let r = 1; r <= ROUNDS; r++) {
      const order = r % 2 === 1 ? [k, l] : [l, k];
      for (const d of order) if (HEALTH_ONLY === undefined || HEALTH_ONLY === d.name) await healthPhase(d, r);
    }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
