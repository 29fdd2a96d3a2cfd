/**
 * Starting, stopping and crashing the ECMP lab's directors, inside the guest. A director is BIRD
 * (exporting the announcement table) plus either lvsd (`lvsd` mode: it programs IPVS and announces
 * the VIP while healthy) or a static IPVS service and route written with ipvsadm and ip (`static`
 * mode: the same dataplane without lvsd, for proving the topology itself).
 *
 * - stop (graceful): lvsd gets SIGTERM and withdraws before it exits; static mode deletes the route.
 *   The director's IPVS table stays (lvsd's on_shutdown = "keep").
 * - crash: the director's link goes down, every process is killed -9, and its IPVS table is flushed
 *   (a rebooted machine comes back with empty tables).
 * - revive: link up, then start as at first.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { birdArgv, birdDirectorConf } from '../speakers.js';
import { killGroup, run, runIn, startIn } from '../guest.js';
import {
  ANNOUNCE_PROTOCOL,
  ANNOUNCE_TABLE,
  DIRECTORS,
  ECMP_BACKENDS,
  ECMP_RUN,
  ECMP_VIP,
  ROUTER,
  GUEST_BFD,
} from './topology.js';

/** Resolves once `p` has exited (at once if it already has). */
function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => p.once('exit', () => r()));
}

/** One director of the lab. */
export type Director = (typeof DIRECTORS)[number];

/** How the directors program IPVS and announce. */
export type DirectorMode = 'lvsd' | 'static';

/** What every director's virtual service uses: scheduler (mh, or wrr for the contrast) and flags. */
export interface ServiceShape {
  scheduler: 'mh' | 'wrr';
}

/** Writes and returns the lvsd config of director `d` (ecmp mode when the scheduler is mh). */
export type LvsdConfigWriter = (d: Director, shape: ServiceShape, file: string) => void;

/** Controls the directors; see the module comment for what each operation means. */
export class Directors {
  private readonly procs = new Map<string, ChildProcess[]>();

  constructor(
    private readonly root: string,
    private readonly mode: DirectorMode,
    private readonly shape: ServiceShape,
    private readonly lvsdConfig?: LvsdConfigWriter,
  ) {}

  /** Starts BIRD and the dataplane on `d`. */
  async start(d: Director): Promise<void> {
    const dir = join(ECMP_RUN, d.name);
    await run('mkdir', ['-p', dir]);
    writeFileSync(
      join(dir, 'bird.conf'),
      birdDirectorConf({
        routerId: d.addr,
        as: d.as,
        table: ANNOUNCE_TABLE,
        neighbors: [{ address: ROUTER.fabric, as: ROUTER.as }],
        bfd: GUEST_BFD,
      }),
    );
    const procs = [startIn(d.ns, birdArgv(dir), join(dir, 'bird.log'))];
    if (this.mode === 'lvsd') {
      const conf = join(dir, 'lvsd.toml');
      if (!this.lvsdConfig) throw new Error('lvsd mode needs a config writer');
      this.lvsdConfig(d, this.shape, conf);
      procs.push(startIn(d.ns, [join(this.root, 'bin/lvsd'), '-f', conf], join(dir, 'lvsd.log')));
    } else await this.staticUp(d);
    this.procs.set(d.name, procs);
  }

  /** Graceful stop: withdraw first, then stop serving; resolves when its processes are gone. */
  async stop(d: Director): Promise<void> {
    const [bird, lvsd] = this.procs.get(d.name) ?? [];
    if (lvsd) {
      killGroup(lvsd, 'SIGTERM');
      await exited(lvsd);
    } else await runIn(d.ns, 'ip', ['route', 'del', `${ECMP_VIP}/32`, 'table', `${ANNOUNCE_TABLE}`]);
    if (bird) killGroup(bird, 'SIGTERM');
    if (bird) await exited(bird);
  }

  /** Crash: link down, everything killed -9, IPVS flushed. */
  async crash(d: Director): Promise<void> {
    await run('ip', ['link', 'set', d.port, 'down']);
    for (const p of this.procs.get(d.name) ?? []) killGroup(p, 'SIGKILL');
    await runIn(d.ns, 'ipvsadm', ['-C']);
    await runIn(d.ns, 'ip', ['route', 'flush', 'table', `${ANNOUNCE_TABLE}`]);
  }

  /** Link up (after a crash) and start again. */
  async revive(d: Director): Promise<void> {
    await run('ip', ['link', 'set', d.port, 'up']);
    await this.start(d);
  }

  /** Kills every director process (the guest halts afterwards anyway). */
  stopAll(): void {
    for (const ps of this.procs.values()) for (const p of ps) killGroup(p, 'SIGKILL');
  }

  private async staticUp(d: Director): Promise<void> {
    const vs = `${ECMP_VIP}:80`;
    const flags = this.shape.scheduler === 'mh' ? ['-b', 'mh-port'] : [];
    await runIn(d.ns, 'ipvsadm', ['-A', '-t', vs, '-s', this.shape.scheduler, ...flags]);
    for (const b of ECMP_BACKENDS)
      await runIn(d.ns, 'ipvsadm', ['-a', '-t', vs, '-r', `${b.addr}:80`, '-g', '-w', '1']);
    const route = ['route', 'replace', `${ECMP_VIP}/32`, 'dev', 'lo', 'table', `${ANNOUNCE_TABLE}`];
    await runIn(d.ns, 'ip', [...route, 'proto', `${ANNOUNCE_PROTOCOL}`]);
  }
}
