/**
 * The ECMP lab's topology (one user-mode Linux guest), shared by the kernel-tier test, the
 * benchmarks and `./lab/run --ecmp`:
 *
 *   client 10.1.0.2 ── ecbr ── 10.1.0.1 router (BIRD, kernel ECMP: merge paths,
 *                                        fib_multipath_hash_policy=1) 10.2.0.1 ─┐
 *   directors d1..d3 10.2.0.11-13 (BIRD + IPVS, VIP on lo, sloppy_tcp=1) ───────┼─ efbr (one L2 segment)
 *   backends  b1..b4 10.2.0.21-24 (echo server, VIP on lo, arp_ignore/announce) ┘
 *
 * Each director announces the VIP to the router over BGP (its own AS 65001, the router's 65000)
 * from kernel table ANNOUNCE_TABLE; the router spreads flows over the directors; each director
 * forwards with IPVS direct routing, so answers go from the backend to the router, not back
 * through a director. Pure: returns names, addresses and shell text.
 */

/** The VIP every director serves and announces. */
export const ECMP_VIP = '10.9.0.10';
/** The kernel table lvsd announces into, and its route protocol number. */
export const ANNOUNCE_TABLE = 100;
export const ANNOUNCE_PROTOCOL = 201;
/**
 * BFD timers inside the guest: 300 ms × 5. System calls in user-mode Linux are slow, and with three
 * lvsd processes probing on a loaded host the 100 ms × 3 of the host tests flapped sessions, which
 * moved flows between directors while the spread was measured. The host tier measures 100 ms × 3.
 */
export const GUEST_BFD = { intervalMs: 300, multiplier: 5 } as const;

/** Guest directory (tmpfs) for sockets, configs and logs. */
export const ECMP_RUN = '/run/ecmp';

/** The router. */
export const ROUTER = { ns: 'ertr', fabric: '10.2.0.1', client: '10.1.0.1', as: 65000 } as const;
/** The client. */
export const ECMP_CLIENT = { ns: 'ecli', addr: '10.1.0.2' } as const;
/** Directors: namespace, fabric address, the bridge port (in the guest's root namespace) that is its link. */
export const DIRECTORS = [1, 2, 3].map((i) => ({
  name: `d${i}`,
  ns: `ed${i}`,
  addr: `10.2.0.${10 + i}`,
  port: `efd${i}`,
  as: 65001,
}));
/** Backends: namespace (also the name the echo server answers with) and address. */
export const ECMP_BACKENDS = [1, 2, 3, 4].map((i) => ({ name: `b${i}`, ns: `eb${i}`, addr: `10.2.0.${20 + i}` }));

function veth(bridge: string, hostSide: string, ns: string, addr: string, dev = 'eth0'): string[] {
  return [
    `ip link add ${hostSide} type veth peer name ${dev} netns ${ns}`,
    `ip link set ${hostSide} master ${bridge} up`,
    `ip -n ${ns} addr add ${addr} dev ${dev}`,
    `ip -n ${ns} link set ${dev} up`,
  ];
}

function sysctl(ns: string, ...kv: string[]): string {
  return `ip netns exec ${ns} sysctl -qw ${kv.join(' ')}`;
}

/**
 * Shell (root, inside the guest) building the namespaces, bridges, addresses, sysctls and IPVS
 * prerequisites. `set -e`: a broken topology fails the run instead of hiding.
 */
export function ecmpTopologyScript(): string {
  const all = [ROUTER.ns, ECMP_CLIENT.ns, ...DIRECTORS.map((d) => d.ns), ...ECMP_BACKENDS.map((b) => b.ns)];
  const lines = [
    'set -e',
    `mkdir -p ${ECMP_RUN}`,
    `for ns in ${all.join(' ')}; do ip netns add $ns; ip -n $ns link set lo up; done`,
    'ip link add ecbr type bridge; ip link set ecbr up; ip link add efbr type bridge; ip link set efbr up',
    ...veth('ecbr', 'ecrt', ROUTER.ns, `${ROUTER.client}/24`, 'ethc'),
    ...veth('efbr', 'efrt', ROUTER.ns, `${ROUTER.fabric}/24`),
    ...veth('ecbr', 'eccl', ECMP_CLIENT.ns, `${ECMP_CLIENT.addr}/24`),
    `ip -n ${ECMP_CLIENT.ns} route add default via ${ROUTER.client}`,
    sysctl(ROUTER.ns, 'net.ipv4.ip_forward=1', 'net.ipv4.fib_multipath_hash_policy=1'),
    sysctl(ROUTER.ns, 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'),
  ];
  for (const d of DIRECTORS)
    lines.push(
      ...veth('efbr', d.port, d.ns, `${d.addr}/24`),
      `ip -n ${d.ns} route add default via ${ROUTER.fabric}`,
      `ip -n ${d.ns} addr add ${ECMP_VIP}/32 dev lo`,
      sysctl(
        d.ns,
        'net.ipv4.conf.all.arp_ignore=1',
        'net.ipv4.conf.all.arp_announce=2',
        'net.ipv4.conf.all.rp_filter=0',
      ),
      sysctl(d.ns, 'net.ipv4.vs.sloppy_tcp=1'),
    );
  for (const b of ECMP_BACKENDS)
    lines.push(
      ...veth('efbr', `ef${b.name}`, b.ns, `${b.addr}/24`),
      `ip -n ${b.ns} route add default via ${ROUTER.fabric}`,
      `ip -n ${b.ns} addr add ${ECMP_VIP}/32 dev lo`,
      sysctl(
        b.ns,
        'net.ipv4.conf.all.arp_ignore=1',
        'net.ipv4.conf.all.arp_announce=2',
        'net.ipv4.conf.all.rp_filter=0',
      ),
    );
  return lines.join('\n') + '\n';
}
