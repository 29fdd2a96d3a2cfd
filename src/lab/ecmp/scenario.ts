/**
 * The ECMP scenario, run as root inside the guest after ecmpTopologyScript(): backends, router and
 * directors start; the client opens long-lived flows; then director 2 leaves and returns, first
 * gracefully (SIGTERM), then by a crash. Every phase reports how many flows continued: no reset,
 * every message answered in order, by the backend that answered the first.
 *
 * Usage: node dist/src/lab/ecmp/scenario.js --out FILE [--mode lvsd|static] [--scheduler mh|wrr]
 *          [--flows 300] [--period-ms 500] [--progress FILE]
 * Writes an EcmpResult as JSON to --out; exits 0 when the scenario ran (its figures may still miss
 * the goals: the caller judges), 1 when it could not run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { withNetns } from '../../../native/netns.js';
import { Rtnetlink } from '../../rtnetlink/client.js';
import { repoRoot } from '../uml.js';
import { Progress, run, runIn, sleep, startIn, waitFor } from '../guest.js';
import { onLines } from '../lab.js';
import type { FlowReport } from './flows.js';
import { Directors, type DirectorMode } from './directors.js';
import { writeEcmpLvsdConfig } from './lvsd-config.js';
import { birdArgv, birdRouterConf } from '../speakers.js';
import { DIRECTORS, ECMP_BACKENDS, ECMP_CLIENT, ECMP_RUN, ECMP_VIP, ROUTER, GUEST_BFD } from './topology.js';

/** One director leaving or returning, and what the flows did. */
export interface PhaseResult {
  name: string;
  /** Flows alive when the phase began. */
  before: number;
  /** Of those, flows broken during the phase. */
  broken: number;
  /** Flows alive and answered after the change, at the end of the phase. */
  continued: number;
  /** continued / before. */
  ratio: number;
  /** Broken flows by reason. */
  reasons: Record<string, number>;
  /** Paths to the VIP at the router after the change. */
  paths: number;
}

/** Everything the scenario measured. */
export interface EcmpResult {
  mode: DirectorMode;
  scheduler: string;
  flows: number;
  /** Connections per director right after the flows opened (IPVS connection tables), and their shares. */
  spread: Record<string, number>;
  shares: Record<string, number>;
  /** Times the router had fewer than 3 paths while the flows opened (a BGP/BFD flap moves flows and spoils the spread). */
  pathDrops: number;
  phases: PhaseResult[];
  error?: string;
}

class Scenario {
  private flowsProc?: ChildProcess;
  private latest: FlowReport | undefined;
  private readonly rt = withNetns(ROUTER.ns, () => Rtnetlink.open());

  constructor(private readonly progress: Progress) {}

  say(line: string): void {
    this.progress.say(line);
  }

  /** Starts BIRD on the router, peering with every director, merging their paths. */
  async routerUp(): Promise<void> {
    const dir = join(ECMP_RUN, 'router');
    await run('mkdir', ['-p', dir]);
    const neighbors = DIRECTORS.map((d) => ({ address: d.addr, as: d.as }));
    writeFileSync(
      join(dir, 'bird.conf'),
      birdRouterConf({ routerId: ROUTER.fabric, as: ROUTER.as, neighbors, bfd: GUEST_BFD }),
    );
    startIn(ROUTER.ns, birdArgv(dir), join(dir, 'bird.log'));
  }

  async paths(): Promise<number> {
    const routes = await this.rt.listRoutes({ table: 254, family: 'inet' });
    const r = routes.find((x) => x.dst === ECMP_VIP && x.dstLen === 32);
    return r ? (r.gateways?.length ?? 1) : 0;
  }

  async waitPaths(n: number, ms: number): Promise<void> {
    const ok = await waitFor(async () => ((await this.paths()) === n ? true : undefined), ms, 100);
    if (!ok) throw new Error(`the router did not reach ${n} paths to ${ECMP_VIP} within ${ms} ms`);
  }

  startFlows(): void {
    const argv = ['node', join(repoRoot(), 'dist/src/lab/ecmp/flows.js'), ECMP_VIP, '80'];
    this.flowsProc = spawn('ip', ['netns', 'exec', ECMP_CLIENT.ns, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
    onLines(this.flowsProc, (l) => (this.latest = JSON.parse(l) as FlowReport));
  }

  send(cmd: string): void {
    this.flowsProc?.stdin?.write(cmd + '\n');
  }

  async report(): Promise<FlowReport> {
    const prev = this.latest;
    this.send('report');
    await waitFor(async () => (this.latest !== prev ? true : undefined), 10_000, 20);
    return this.latest!;
  }

  /** Opens `n` flows and waits until all have their first answer. */
  async openFlows(n: number, periodMs: number): Promise<void> {
    this.send(`open ${n} ${periodMs}`);
    const ok = await waitFor(async () => ((await this.report()).established >= n ? true : undefined), 120_000, 500);
    const r = await this.report();
    if (!ok) throw new Error(`only ${r.established} of ${n} flows established; broken: ${JSON.stringify(r.broken)}`);
    this.say(`   ${r.established} flows up: ${JSON.stringify(r.byBackend)}`);
  }

  /** Connections per director: entries in its IPVS connection table for the VIP (exact; the stats counters lag by up to 2 s). */
  async spread(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const d of DIRECTORS) {
      const r = await runIn(d.ns, 'ipvsadm', ['-Lnc'], 30_000);
      out[d.name] = r.out.split('\n').filter((l) => l.includes(` ${ECMP_VIP}:80 `)).length;
    }
    return out;
  }

  /** Runs `change`, waits for the router to show `paths`, then until every flow has answered again. */
  async phase(name: string, paths: number, change: () => Promise<void>, periodMs: number): Promise<PhaseResult> {
    const start = await this.report();
    this.say(`${name}: ${start.alive} flows alive before`);
    this.send('mark');
    await change();
    await this.waitPaths(paths, 30_000);
    this.say(`   the router has ${paths} paths to ${ECMP_VIP}`);
    await sleep(periodMs);
    let lastLine = 0;
    await waitFor(
      async () => {
        const r = await this.report();
        if (Date.now() - lastLine >= 1000) {
          lastLine = Date.now();
          this.say(
            `   live: ${r.alive} alive, ${r.answeredSinceMark} answered since the change, ${r.brokenSinceMark} broken`,
          );
        }
        return r.answeredSinceMark === r.alive && r.maxWaitMs < 2 * periodMs + 1000 ? true : undefined;
      },
      30_000,
      250,
    );
    const end = await this.report();
    const result: PhaseResult = {
      name,
      before: start.alive,
      broken: end.brokenSinceMark,
      continued: end.answeredSinceMark,
      ratio: start.alive ? Math.min(end.answeredSinceMark, start.alive) / start.alive : 0,
      reasons: diffCounts(end.broken, start.broken),
      paths: await this.paths(),
    };
    this.say(
      `   ${name}: ${result.continued}/${result.before} flows continued, ${result.broken} broken ${JSON.stringify(result.reasons)}`,
    );
    return result;
  }

  close(): void {
    this.send('close');
    this.rt.close();
  }
}

function diffCounts(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Runs the whole scenario; see the module comment. */
export async function runScenario(opts: {
  mode: DirectorMode;
  scheduler: 'mh' | 'wrr';
  flows: number;
  periodMs: number;
  progress: Progress;
}): Promise<EcmpResult> {
  const root = repoRoot();
  const directors = new Directors(root, opts.mode, { scheduler: opts.scheduler }, writeEcmpLvsdConfig);
  const s = new Scenario(opts.progress);
  const result: EcmpResult = {
    pathDrops: 0,
    mode: opts.mode,
    scheduler: opts.scheduler,
    flows: opts.flows,
    spread: {},
    shares: {},
    phases: [],
  };
  const echo = join(root, 'dist/src/lab/ecmp/echo.js');
  try {
    for (const b of ECMP_BACKENDS) startIn(b.ns, ['node', echo, b.name, '80'], join(ECMP_RUN, `${b.name}.log`));
    await s.routerUp();
    for (const d of DIRECTORS) await directors.start(d);
    s.say(`directors d1..d3 up (${opts.mode}, ${opts.scheduler}); waiting for 3 paths at the router`);
    await s.waitPaths(3, 90_000);
    s.startFlows();
    let sampling = true;
    const sampler = (async () => {
      for (let last = 3; sampling; await sleep(200)) {
        const n = await s.paths();
        if (n < 3 && last === 3) result.pathDrops++;
        last = n;
      }
    })();
    await s.openFlows(opts.flows, opts.periodMs);
    result.spread = await s.spread();
    sampling = false;
    await sampler;
    const total = Object.values(result.spread).reduce((a, b) => a + b, 0);
    for (const [k, v] of Object.entries(result.spread)) result.shares[k] = total ? v / total : 0;
    s.say(`spread: ${JSON.stringify(result.spread)} connections per director (IPVS connection tables)`);
    const d2 = DIRECTORS[1];
    const p = opts.periodMs;
    result.phases.push(await s.phase('d2 SIGTERM', 2, () => directors.stop(d2), p));
    result.phases.push(await s.phase('d2 back', 3, () => directors.start(d2), p));
    result.phases.push(await s.phase('d2 crash', 2, () => directors.crash(d2), p));
    result.phases.push(await s.phase('d2 back after crash', 3, () => directors.revive(d2), p));
  } catch (e) {
    result.error = (e as Error).message;
    s.say(`error: ${result.error}`);
  } finally {
    s.close();
    directors.stopAll();
  }
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      mode: { type: 'string', default: 'lvsd' },
      scheduler: { type: 'string', default: 'mh' },
      flows: { type: 'string', default: '300' },
      'period-ms': { type: 'string', default: '500' },
      progress: { type: 'string', default: join(ECMP_RUN, 'progress.log') },
    },
  });
  if (!values.out || !['lvsd', 'static'].includes(values.mode!) || !['mh', 'wrr'].includes(values.scheduler!)) {
    process.stderr.write(
      'usage: scenario.js --out FILE [--mode lvsd|static] [--scheduler mh|wrr] [--flows N] [--period-ms MS]\n',
    );
    process.exit(2);
  }
  const result = await runScenario({
    mode: values.mode as DirectorMode,
    scheduler: values.scheduler as 'mh' | 'wrr',
    flows: Number(values.flows),
    periodMs: Number(values['period-ms']),
    progress: new Progress(values.progress!),
  });
  writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  process.exit(result.error ? 1 : 0);
}

if (process.argv[1]?.endsWith('/ecmp/scenario.js')) void main();
