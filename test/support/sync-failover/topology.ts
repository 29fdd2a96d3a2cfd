/**
 * Namespaces, links and addresses of the connection-sync failover scenario (see
 * scenario.ts for the picture): NAT puts the backends behind the directors on their
 * own segment with a floating gateway; DR puts everything on one segment, the VIP on the
 * backends' lo (arp_ignore=1, arp_announce=2).
 */

/** What the scenario needs to know of the topology, and the shell that builds it. */
export interface FailoverTopology {
  client: string;
  backends: string[];
  backendAddrs: string[];
  /** The directors' addresses on the client segment (lb1, lb2). */
  lbAddrs: [string, string];
  script: string;
  /**
   * Shell that gives director `lb` a fresh namespace with its links and addresses, as a reboot
   * would (empty IPVS table and connection table, no VIPs, no sync daemons); `tag` keeps the new
   * host-side veth names apart from the old ones, which the kernel removes asynchronously.
   */
  director(lb: 'lb1' | 'lb2', tag: string): string;
}

const VIP = '10.0.1.100';

function member(ns: string, br: string, dev: string, addr: string, tag = ''): string {
  const host = `${ns}${dev}${tag}`.slice(0, 15);
  return [
    `ip link add ${host} type veth peer name ${dev} netns ${ns}`,
    `ip link set ${host} master ${br} up`,
    `ip -n ${ns} addr add ${addr} dev ${dev}`,
    `ip -n ${ns} link set ${dev} up`,
  ].join('\n');
}

/** The topology for a forwarding method; `sysctls` ("net.ipv4.vs.x=y") are set in both directors' namespaces. */
export function topologyNames(forwarding: 'nat' | 'dr', sysctls: readonly string[] = []): FailoverTopology {
  const backends = ['b1', 'b2', 'b3'];
  const nat = forwarding === 'nat';
  const backendAddrs = nat ? ['10.0.2.11', '10.0.2.12', '10.0.2.13'] : ['10.0.1.21', '10.0.1.22', '10.0.1.23'];
  const lbAddrs: [string, string] = ['10.0.1.11', '10.0.1.12'];
  const director = (lb: 'lb1' | 'lb2', tag: string): string =>
    [
      `ip netns add ${lb}; ip -n ${lb} link set lo up`,
      member(lb, 'fsc', 'eth0', `${lbAddrs[lb === 'lb1' ? 0 : 1]}/24`, tag),
      ...(nat ? [member(lb, 'fsb', 'eth1', `10.0.2.${lb === 'lb1' ? 2 : 3}/24`, tag)] : []),
      `ip netns exec ${lb} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.vs.expire_nodest_conn=1 ${sysctls.join(' ')}`,
    ].join('\n');
  const lines = [
    `for ns in cli ${backends.join(' ')}; do ip netns add $ns; ip -n $ns link set lo up; done`,
    'ip link add fsc type bridge; ip link set fsc up',
    ...(nat ? ['ip link add fsb type bridge; ip link set fsb up'] : []),
    member('cli', 'fsc', 'eth0', '10.0.1.2/24'),
    director('lb1', ''),
    director('lb2', ''),
  ];
  if (nat) {
    lines.push(
      ...backends.flatMap((b, i) => [
        member(b, 'fsb', 'eth0', `${backendAddrs[i]}/24`),
        `ip -n ${b} route add default via 10.0.2.1`,
      ]),
    );
  } else {
    lines.push(
      ...backends.flatMap((b, i) => [
        member(b, 'fsc', 'eth0', `${backendAddrs[i]}/24`),
        `ip -n ${b} addr add ${VIP}/32 dev lo`,
        `ip netns exec ${b} sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2`,
      ]),
    );
  }
  return { client: 'cli', backends, backendAddrs, lbAddrs, script: lines.join('\n'), director };
}
