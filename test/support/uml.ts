/**
 * UML harness for kernel-tier tests (real IPVS inside user-mode Linux). Re-exports the runner from
 * src/lab/uml.ts and adds shell builders for a standard topology that tests and the lab reuse:
 *
 *   client ns (10.0.1.2/24) ──br-c── director ns eth0 10.0.1.1/24 (+ VIP 10.0.1.100/32, ::/64 too)
 *                                     director ns eth1 10.0.2.1/24 ──br-b── backend ns b1..bN 10.0.2.(10+i)/24
 *
 * IPv6: client fd00:1::2/64, director fd00:1::1 (+ VIP fd00:1::100) and fd00:2::1, backends fd00:2::(10+i).
 * Backends run a tiny node HTTP server on port 80 answering "backend bI\n", and route via the director
 * (so IPVS NAT works). All names get the given prefix so one guest can hold two topologies.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runUml, type UmlOptions, type UmlResult } from '../../src/lab/uml.js';

export { runUml, repoRoot, umlIpvsModules, type UmlResult } from '../../src/lab/uml.js';

/**
 * runUml for kernel tests: a guest that could not run its script (a panic, IPVS not loading, no
 * progress before the deadline) rejects with the one-line reason (UmlResult.failure), so a test
 * fails saying why instead of with the script's missing results. A script that ran and failed, or
 * hung until the deadline, resolves as with runUml.
 */
export async function runGuest(opts: UmlOptions): Promise<UmlResult> {
  const r = await runUml(opts);
  if (!r.failure) return r;
  r.cleanup();
  throw new Error(`${opts.name}: ${r.failure}`);
}

/** Addresses of a topology built by `topologyScript`. */
export interface Topology {
  prefix: string;
  director: string;
  client: string;
  backends: string[];
  vip: string;
  vip6: string;
  backendAddrs: string[];
  backendAddrs6: string[];
  /** Shell that builds it (run inside the guest). */
  script: string;
}

/** Shell lines building the standard topology with `n` backends; `prefix` names the namespaces. */
export function topologyScript(n: number, prefix = 't', opts: { http?: boolean } = {}): Topology {
  const director = `${prefix}dir`;
  const client = `${prefix}cli`;
  const backends = Array.from({ length: n }, (_, i) => `${prefix}b${i + 1}`);
  const backendAddrs = backends.map((_, i) => `10.0.2.${11 + i}`);
  const backendAddrs6 = backends.map((_, i) => `fd00:2::${(11 + i).toString(16)}`);
  const lines = [
    `for ns in ${director} ${client} ${backends.join(' ')}; do ip netns add $ns; ip -n $ns link set lo up; done`,
    `ip link add ${prefix}brc type bridge; ip link add ${prefix}brb type bridge; ip link set ${prefix}brc up; ip link set ${prefix}brb up`,
    link(prefix, 'brc', director, 'eth0', 'dc'),
    link(prefix, 'brb', director, 'eth1', 'db'),
    link(prefix, 'brc', client, 'eth0', 'cc'),
    `ip netns exec ${director} sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.vs.conntrack=1 2>/dev/null || true`,
    `ip -n ${director} addr add 10.0.1.1/24 dev eth0; ip -n ${director} addr add 10.0.1.100/32 dev eth0; ip -n ${director} addr add 10.0.2.1/24 dev eth1`,
    `ip -n ${director} addr add fd00:1::1/64 dev eth0 nodad; ip -n ${director} addr add fd00:1::100/128 dev eth0 nodad; ip -n ${director} addr add fd00:2::1/64 dev eth1 nodad`,
    `ip -n ${client} addr add 10.0.1.2/24 dev eth0; ip -n ${client} addr add fd00:1::2/64 dev eth0 nodad; ip -n ${client} route add default via 10.0.1.1`,
    ...backends.flatMap((b, i) => [
      link(prefix, 'brb', b, 'eth0', `b${i + 1}`),
      `ip -n ${b} addr add ${backendAddrs[i]}/24 dev eth0; ip -n ${b} addr add ${backendAddrs6[i]}/64 dev eth0 nodad`,
      `ip -n ${b} route add default via 10.0.2.1; ip -n ${b} -6 route add default via fd00:2::1`,
    ]),
  ];
  if (opts.http ?? true)
    lines.push(...backends.map((b, i) => httpServer(b, `backend b${i + 1}`)), waitHttp(backends, backendAddrs));
  return {
    prefix,
    director,
    client,
    backends,
    vip: '10.0.1.100',
    vip6: 'fd00:1::100',
    backendAddrs,
    backendAddrs6,
    script: lines.join('\n') + '\n',
  };
}

function link(prefix: string, br: string, ns: string, dev: string, tag: string): string {
  const host = `${prefix}${tag}`;
  return `ip link add ${host} type veth peer name ${dev} netns ${ns}; ip link set ${host} master ${prefix}${br} up; ip -n ${ns} link set ${dev} up`;
}

/** Starts a background node HTTP server on [::]:80 in namespace `ns` answering `body`. */
export function httpServer(ns: string, body: string): string {
  const js = `require('http').createServer((q,r)=>r.end(${JSON.stringify(body + '\n')})).listen(80,'::')`;
  return `ip netns exec ${ns} node -e "${js.replace(/"/g, '\\"')}" >/dev/null 2>&1 &`;
}

function waitHttp(backends: string[], addrs: string[]): string {
  const checks = backends
    .map((b, i) => `ip netns exec ${b} curl -s -m 1 -o /dev/null http://${addrs[i]}/`)
    .join(' && ');
  return `for i in $(seq 1 100); do if ${checks}; then break; fi; sleep 0.2; done`;
}

/**
 * Shell running the built CLI inside namespace `ns`: $LVSD_BIN if set (see snapshotBuild), else the repo's
 * bin/lvsd.
 */
export function lvsdIn(ns: string, args: string): string {
  return `ip netns exec ${ns} "\${LVSD_BIN:-$LVSD_ROOT/bin/lvsd}" ${args}`;
}

/**
 * A private copy of the build (bin/, dist/, package.json; node_modules linked) so a guest never
 * reads dist/ while someone rebuilds it (tsc rewrites files in place; a half-written module fails
 * to import). Pass `env: { LVSD_BIN: snap.bin }` to runUml; call `cleanup()` afterwards.
 */
export function snapshotBuild(): { dir: string; bin: string; cleanup(): void } {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-build-'));
  for (const p of ['bin', 'dist', 'package.json']) cpSync(join(root, p), join(dir, p), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return { dir, bin: join(dir, 'bin/lvsd'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
