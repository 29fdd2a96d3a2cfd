/**
 * ECMP mode for a virtual server: what makes a flow land on the same backend whichever director the
 * router hands it to (shared/reference/ecmp.md; kernel net/netfilter/ipvs/ip_vs_mh.c). Pure.
 *
 * - `ecmpConfigIssues`: the settings ecmp mode requires, as config errors (for `--check`);
 * - `ecmpSysctlIssues`: the kernel settings it needs, as warnings at start;
 * - `ecmpDestOrder`: the one order every director adds destinations in;
 * - `destFingerprint`: a short hash of a service's destinations in the kernel's order with their
 *   weights, which must be equal on every director (shown by `lvsctl status` and `/metrics`).
 */
import { createHash } from 'node:crypto';
import { ipBytes } from '../../native/ip.js';

/** The parts of a virtual server ecmp mode looks at. */
export interface EcmpServiceShape {
  scheduler: string;
  scheduler_flags: readonly string[];
  forwarding: string;
  on_failure: string;
  /** Slow-start ramp in ms; 0 = none. */
  slow_start: number;
  protocol?: string;
  /** Effective forwarding of each real server. */
  real_server: ReadonlyArray<{ forwarding: string }>;
}

/**
 * Why `vs` cannot run in ecmp mode, one message per problem (empty = fine):
 * - scheduler "mh": Maglev hashing gives every director the same lookup table from the same list;
 * - flag "mh-port": without it mh hashes the source address only, so every flow of one client goes
 *   to one backend (and many clients behind one NAT address too);
 * - forwarding dr or tun (also per real server): with nat the answers must come back through the
 *   director that saw the flow, which ECMP does not promise;
 * - on_failure "weight0": "remove" deletes and later re-adds a destination, and the kernel puts a
 *   re-added one at the head of its list, so directors with different histories end up with
 *   different orders, and so different tables;
 * - no slow_start: each director ramps a returning server on its own clock, so during the ramp the
 *   directors' weights, and so their tables, differ.
 */
export function ecmpConfigIssues(vs: EcmpServiceShape): string[] {
  const out: string[] = [];
  if (vs.scheduler !== 'mh')
    out.push(`scheduler must be "mh" (Maglev hashing, the same choice on every director), not "${vs.scheduler}"`);
  else if (!vs.scheduler_flags.includes('mh-port'))
    out.push('scheduler_flags must include "mh-port" (otherwise mh hashes the source address only)');
  if (vs.forwarding === 'nat' || vs.real_server.some((r) => r.forwarding === 'nat'))
    out.push('forwarding must be "dr" or "tun" (with nat the answers must return through the same director)');
  if (vs.on_failure !== 'weight0')
    out.push('on_failure must be "weight0" (a removed and re-added server changes the destination order)');
  if (vs.slow_start > 0)
    out.push('slow_start must be unset (each director would ramp on its own clock, so the tables would differ)');
  return out;
}

/** The sysctls ecmp mode needs for a protocol (`sloppy_tcp` for TCP, `sloppy_sctp` for SCTP). */
export function sloppySysctl(protocol: string | undefined): string | undefined {
  if (protocol === 'sctp') return 'net.ipv4.vs.sloppy_sctp';
  if (protocol === 'udp') return undefined;
  return 'net.ipv4.vs.sloppy_tcp';
}

/**
 * Warnings for the kernel settings the ecmp virtual servers need, given their protocols and a
 * reader of sysctls (undefined = unreadable, e.g. no IPVS in this kernel).
 */
export function ecmpSysctlIssues(
  protocols: Iterable<string | undefined>,
  read: (name: string) => string | undefined,
): string[] {
  const names = new Set([...protocols].map(sloppySysctl).filter((n): n is string => n !== undefined));
  const out: string[] = [];
  for (const name of [...names].sort()) {
    const v = read(name)?.trim();
    if (v === '1') continue;
    const why = v === undefined ? 'cannot be read' : `is ${v}`;
    out.push(`${name} ${why}: a director that takes over a flow mid-way drops its packets; set it to 1`);
  }
  return out;
}

/** Orders destinations by family, address bytes, then port: the order every director adds them in. */
export function ecmpDestOrder<T extends { address: string; port: number }>(dests: readonly T[]): T[] {
  const key = (d: T): Buffer => ipBytes(d.address);
  return [...dests].sort((a, b) => {
    const ka = key(a),
      kb = key(b);
    return ka.length - kb.length || Buffer.compare(ka, kb) || a.port - b.port;
  });
}

/**
 * 8 hex digits naming `dests` in the given order with their weights (sha256 of one
 * "address:port weight" line each). Equal on every director ⇔ equal lists, order and weights.
 */
export function destFingerprint(dests: ReadonlyArray<{ address: string; port: number; weight: number }>): string {
  const text = dests.map((d) => `${d.address}:${d.port} ${d.weight}\n`).join('');
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
