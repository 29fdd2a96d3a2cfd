/**
 * BGP speakers in throwaway namespaces for host tests (root only): BIRD or FRR on a director, BIRD on
 * a router, with configs from src/lab/speakers.ts. Each speaker's files (config, control socket, log)
 * live in a temp dir removed by `stop()`; processes run in the foreground under the namespace helper,
 * so `Netns.cleanup()` kills them too.
 */
import { chownSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { withNetns } from '../../native/netns.js';
import { Rtnetlink, type RouteInfo } from '../../src/rtnetlink/client.js';
import {
  FRR_DAEMONS,
  birdArgv,
  birdDirectorConf,
  birdRouterConf,
  frrArgv,
  frrDirectorConfs,
  type DirectorSpeaker,
  type RouterSpeaker,
} from '../../src/lab/speakers.js';
import { sh, type Netns } from './netns.js';

/** A running speaker: its files, processes and a way to ask it things. */
export interface Speaker {
  dir: string;
  procs: ChildProcess[];
  /** The speaker's log so far (for failure messages). */
  log(): string;
  /** Stops its processes and removes its files. */
  stop(): void;
}

function spawnLogged(ns: Netns, argv: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return ns.spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

function stopAll(procs: ChildProcess[], dir: string): void {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

/** BIRD in `ns` with `conf`. */
export function startBird(ns: Netns, conf: string): Speaker & { birdc(cmd: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bird-'));
  writeFileSync(join(dir, 'bird.conf'), conf);
  const procs = [spawnLogged(ns, birdArgv(dir), join(dir, 'bird.log'))];
  return {
    dir,
    procs,
    log: () => readFileSync(join(dir, 'bird.log'), 'utf8'),
    stop: () => stopAll(procs, dir),
    birdc: (cmd) => sh('birdc', ['-s', join(dir, 'bird.ctl'), ...cmd.split(' ')]),
  };
}

/** BIRD as a director's speaker. */
export function startBirdDirector(ns: Netns, s: DirectorSpeaker): ReturnType<typeof startBird> {
  return startBird(ns, birdDirectorConf(s));
}

/** BIRD as the router's speaker. */
export function startBirdRouter(ns: Netns, r: RouterSpeaker): ReturnType<typeof startBird> {
  return startBird(ns, birdRouterConf(r));
}

/** FRR (zebra, bfdd, bgpd) as a director's speaker; the frr user owns its dir (FRR drops privileges). */
export function startFrrDirector(ns: Netns, s: DirectorSpeaker): Speaker & { vtysh(cmd: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-frr-'));
  const uid = Number(sh('id', ['-u', 'frr']).trim());
  const gid = Number(sh('id', ['-g', 'frr']).trim());
  chownSync(dir, uid, gid);
  const confs = frrDirectorConfs(s);
  const procs: ChildProcess[] = [];
  for (const d of FRR_DAEMONS) {
    writeFileSync(join(dir, `${d}.conf`), confs[d]);
    chownSync(join(dir, `${d}.conf`), uid, gid);
    procs.push(spawnLogged(ns, frrArgv(d, dir), join(dir, `${d}.out`)));
  }
  const read = (f: string): string => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    dir,
    procs,
    log: () => FRR_DAEMONS.map((d) => `== ${d}\n${read(`${d}.out`)}${read(`${d}.log`)}`).join('\n'),
    stop: () => stopAll(procs, dir),
    vtysh: (cmd) => sh('ip', ['netns', 'exec', ns.name, 'vtysh', '--vty_socket', dir, '-c', cmd]),
  };
}

/** Reads the routes of a namespace's main table through one rtnetlink socket opened inside it. */
export function routeWatcher(ns: Netns): { routes(): Promise<RouteInfo[]>; close(): void } {
  const rt = withNetns(ns.name, () => Rtnetlink.open());
  return { routes: () => rt.listRoutes({ table: 254, family: 'inet' }), close: () => rt.close() };
}

/** The gateways of `dst`/32 in `routes` (several for an ECMP route), sorted; [] when there is no route. */
export function pathsTo(routes: RouteInfo[], dst: string): string[] {
  return routes
    .filter((r) => r.dst === dst && r.dstLen === 32)
    .flatMap((r) => r.gateways ?? (r.gateway ? [r.gateway] : []))
    .sort();
}

/** Polls `probe` every `everyMs` until it returns true; resolves with the ms waited, rejects with `what` after `ms`. */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  what: string,
  ms: number,
  everyMs = 10,
): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
