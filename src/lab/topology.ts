/**
 * The lab's topology, shared by the UML lab (lab/run) and docker-compose.yml: one L2 segment
 * 10.99.0.0/24, two load balancers running lvsd (IPVS direct routing + VRRP for the VIP), three
 * nginx backends holding the VIP on lo (the classic LVS-DR setup), and a client.
 *
 *            client 10.99.0.100 ─┐
 *   lb1 10.99.0.11 (VIP master) ─┤
 *   lb2 10.99.0.12 (VIP backup) ─┼─ br0 (one L2 segment; the VIP 10.99.0.50 floats by VRRP)
 *   be1..be3 10.99.0.21-23 ──────┘   (each holds 10.99.0.50/32 on lo, arp_ignore=1, arp_announce=2)
 *
 * The lvsd configs are conf/lab/lb1.toml and conf/lab/lb2.toml; nginx is conf/lab/nginx-backend.conf.
 */

/** The virtual IP the VRRP pair floats and IPVS serves. */
export const VIP = '10.99.0.50';
/** Port of the service the story adds by editing the config and sending SIGHUP. */
export const ADDED_PORT = 8080;
/** Load balancers: namespace name, address, config file (relative to the repo root). */
export const LBS = [
  { name: 'lb1', addr: '10.99.0.11', conf: 'conf/lab/lb1.toml', socket: '/run/lvsd/lb1.sock' },
  { name: 'lb2', addr: '10.99.0.12', conf: 'conf/lab/lb2.toml', socket: '/run/lvsd/lb2.sock' },
] as const;
/** Backends: namespace name (also the host name nginx answers with) and address. */
export const BACKENDS = [
  { name: 'be1', addr: '10.99.0.21' },
  { name: 'be2', addr: '10.99.0.22' },
  { name: 'be3', addr: '10.99.0.23' },
] as const;
/** The client namespace. */
export const CLIENT = { name: 'client', addr: '10.99.0.100' } as const;
/** The nginx config every backend runs. */
export const NGINX_CONF = 'conf/lab/nginx-backend.conf';
/** Guest directory (tmpfs /run inside UML) for run-time files: config copies, nginx prefixes, logs. */
export const RUN_DIR = '/run/lab';

/**
 * Shell (run as root inside the guest) that builds the namespaces, the bridge and the backends'
 * DR setup. Pure: returns text. Fails fast (`set -e`) so a broken topology is reported, not hidden.
 */
export function topologySetup(): string {
  const members = [...LBS, ...BACKENDS, CLIENT];
  return [
    'set -e',
    `mkdir -p ${RUN_DIR} /run/lvsd`,
    'ip link add br0 type bridge',
    'ip link set br0 up',
    ...members.map((m) => memberLines(m.name, m.addr)),
    ...BACKENDS.map((b) => drBackendLines(b.name)),
    ...LBS.map((l) => directorLines(l.name)),
    'set +e',
  ].join('\n');
}

function memberLines(ns: string, addr: string): string {
  return [
    `ip netns add ${ns}`,
    `ip -n ${ns} link set lo up`,
    `ip link add v-${ns} type veth peer name eth0 netns ${ns}`,
    `ip link set v-${ns} master br0 up`,
    `ip -n ${ns} addr add ${addr}/24 dev eth0`,
    `ip -n ${ns} link set eth0 up`,
  ].join('\n');
}

/**
 * Director: expire_nodest_conn=1 (as kube-proxy sets it) so that a new connection whose client port
 * matches an old IPVS entry to a weight-0 (dead) backend is rescheduled instead of being sent to the
 * dead backend. With one short connection per request, client ports are reused within IPVS's
 * FIN_WAIT timeout and otherwise hit the killed backend. Not fatal if the kernel lacks the knob.
 */
function directorLines(ns: string): string {
  return `ip netns exec ${ns} sysctl -qw net.ipv4.vs.expire_nodest_conn=1 || echo "warning: net.ipv4.vs.expire_nodest_conn not set in ${ns}"`;
}

/** DR real server: the VIP on lo, never answering ARP for it (arp_ignore/arp_announce). */
function drBackendLines(ns: string): string {
  return [
    `ip -n ${ns} addr add ${VIP}/32 dev lo`,
    `ip netns exec ${ns} sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2`,
    `ip netns exec ${ns} sysctl -qw net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2`,
  ].join('\n');
}
