/**
 * Configs for the BGP speakers that export lvsd's announcement table, as lvsd's docs, tests, benchmarks
 * and the ECMP lab run them: BIRD 2 or FRR on a director, BIRD on the upstream router. Pure text.
 *
 * Director (BIRD): `protocol kernel` learns the routes lvsd puts in kernel table N into a BIRD table
 * of their own, and `protocol bgp` (with BFD) exports that table to the router, next hop self (eBGP),
 * with origin "incomplete" as FRR's redistribution sets it, so paths from both kinds of director
 * are equal and the router merges them.
 * Director (FRR): zebra's `ip import-table N` plus bgpd's `redistribute table N`.
 * Router (BIRD): learns the VIPs from every director and installs them in its kernel, several paths
 * merged into one ECMP route (`merge paths`).
 */

/** A BGP neighbor. */
export interface BgpNeighbor {
  address: string;
  as: number;
}

/** BFD timers (both directions) and detect multiplier; the defaults are the 100 ms × 3 lvsd's tests use. */
export interface BfdTimers {
  intervalMs: number;
  multiplier: number;
}

/** What a director's speaker needs to know. */
export interface DirectorSpeaker {
  routerId: string;
  as: number;
  /** The kernel table lvsd announces into (`announce.table`). */
  table: number;
  neighbors: BgpNeighbor[];
  /** BFD with every neighbor; omit for none. */
  bfd?: BfdTimers;
  /** BGP hold time in seconds (default 9; 3 is the least BGP allows). */
  holdTime?: number;
}

/** What the upstream router's speaker needs to know. */
export interface RouterSpeaker {
  routerId: string;
  as: number;
  neighbors: BgpNeighbor[];
  bfd?: BfdTimers;
  /** BGP hold time in seconds (default 9). */
  holdTime?: number;
  /** Install equal BGP paths from several directors as one multipath kernel route (default true). */
  mergePaths?: boolean;
}

/** BFD timers of the tests: 100 ms × 3. */
export const FAST_BFD: BfdTimers = { intervalMs: 100, multiplier: 3 };

// Quick reconnects for tests and labs (BIRD's defaults wait 60-300 s after an error).
const birdTimers = (hold = 9): string =>
  `connect delay time 1; connect retry time 2; error wait time 1, 5; hold time ${hold}; keepalive time ${Math.max(1, Math.floor(hold / 3))};`;

function birdBfd(b: BfdTimers | undefined): string {
  if (!b) return '';
  return `protocol bfd { interface "*" { min rx interval ${b.intervalMs} ms; min tx interval ${b.intervalMs} ms; multiplier ${b.multiplier}; }; }\n`;
}

/** bird.conf for a director: learn kernel table `table`, export it over BGP to every neighbor. */
export function birdDirectorConf(s: DirectorSpeaker): string {
  const bgp = s.neighbors.map(
    (n, i) =>
      `protocol bgp up${i + 1} { local as ${s.as}; neighbor ${n.address} as ${n.as}; ${s.bfd ? 'bfd on; ' : ''}${birdTimers(s.holdTime)}\n` +
      `  ipv4 { table lvsd_vips; import none; export filter { bgp_origin = ORIGIN_INCOMPLETE; accept; }; }; }\n`,
  );
  return (
    `router id ${s.routerId};\nlog stderr all;\nprotocol device {}\nipv4 table lvsd_vips;\n` +
    `protocol kernel lvsd_table { ipv4 { table lvsd_vips; import all; export none; }; kernel table ${s.table}; learn; scan time 10; }\n` +
    birdBfd(s.bfd) +
    bgp.join('')
  );
}

/** bird.conf for the upstream router: import from every director, install in the kernel (ECMP when merged). */
export function birdRouterConf(r: RouterSpeaker): string {
  const bgp = r.neighbors.map(
    (n, i) =>
      `protocol bgp dir${i + 1} { local as ${r.as}; neighbor ${n.address} as ${n.as}; ${r.bfd ? 'bfd on; ' : ''}${birdTimers(r.holdTime)}\n` +
      `  ipv4 { import all; export none; }; }\n`,
  );
  const merge = r.mergePaths === false ? '' : ' merge paths on;';
  return (
    `router id ${r.routerId};\nlog stderr all;\nprotocol device {}\n` +
    `protocol kernel { ipv4 { import none; export all; };${merge} }\n` +
    birdBfd(r.bfd) +
    bgp.join('')
  );
}

/**
 * FRR's per-daemon configs for a director: zebra imports table N, bgpd redistributes it, bfdd runs BFD.
 * Throws RangeError for a table FRR cannot import (`ip import-table` takes 1..252).
 */
export function frrDirectorConfs(s: DirectorSpeaker): { zebra: string; bgpd: string; bfdd: string } {
  if (!(s.table >= 1 && s.table <= 252)) throw new RangeError(`FRR imports kernel tables 1..252, not ${s.table}`);
  const head = `frr defaults traditional\nhostname ${s.routerId}\n`;
  const zebra = `${head}ip import-table ${s.table}\n`;
  const peers = s.neighbors.flatMap((n) => [
    ` neighbor ${n.address} remote-as ${n.as}`,
    ` neighbor ${n.address} timers connect 1`,
    ...(s.bfd ? [` neighbor ${n.address} bfd`, ` neighbor ${n.address} bfd profile lvsd`] : []),
  ]);
  const bgpd =
    `${head}router bgp ${s.as}\n bgp router-id ${s.routerId}\n no bgp ebgp-requires-policy\n${peers.join('\n')}\n` +
    ` address-family ipv4 unicast\n  redistribute table ${s.table}\n exit-address-family\n`;
  const bfdd = s.bfd
    ? `${head}bfd\n profile lvsd\n  receive-interval ${s.bfd.intervalMs}\n  transmit-interval ${s.bfd.intervalMs}\n  detect-multiplier ${s.bfd.multiplier}\n`
    : head;
  return { zebra, bgpd, bfdd };
}

/** The FRR daemons a director runs, in start order, with their binaries. */
export const FRR_DAEMONS = ['zebra', 'bfdd', 'bgpd'] as const;

/** argv for one FRR daemon in the foreground with every file under `dir` (which the frr user must own). */
export function frrArgv(daemon: (typeof FRR_DAEMONS)[number], dir: string): string[] {
  const argv = [
    `/usr/lib/frr/${daemon}`,
    '-u',
    'frr',
    '-g',
    'frr',
    '-z',
    `${dir}/zserv.api`,
    '-i',
    `${dir}/${daemon}.pid`,
  ];
  argv.push('--vty_socket', dir, '-f', `${dir}/${daemon}.conf`, '--log', `file:${dir}/${daemon}.log`);
  if (daemon === 'bgpd') argv.push('-p', '179');
  return argv;
}

/** argv for BIRD in the foreground with its config, control socket and pid file under `dir`. */
export function birdArgv(dir: string): string[] {
  return ['bird', '-f', '-c', `${dir}/bird.conf`, '-s', `${dir}/bird.ctl`, '-P', `${dir}/bird.pid`];
}
