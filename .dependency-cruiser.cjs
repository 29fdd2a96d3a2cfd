/**
 * The architecture, written down and checked (npm run lint, which `npm test` runs first): layers import
 * only downward, no file imports itself back, native/ is the floor, codecs do no I/O. docs/architecture.md
 * explains the layers; a change that needs to break a rule here is a change of the architecture: say so
 * there first.
 *
 * Layers, lowest first (each may import the ones before it, never one after it):
 *   native                     FFI (koffi): sockets, epoll, errno, sockaddr, address bytes
 *   util                       clock, durations, "host:port", V8 flags
 *   netlink                    netlink messages, attributes, the request/reply connection
 *   ipvs, rtnetlink            IPVS and rtnetlink codecs and clients over netlink
 *   sync                       the kernel's connection-sync daemons: planner, controller, sysctls
 *   health, vrrp, announce, dataplane, metrics, web   (announce: the pure announcer, ECMP order, route sync; web: the status page)
 *   config                     the file: schema, cross-field rules, normalization, diff
 *   plan, control              the pure planner and reconciler; the lvsctl protocol
 *   daemon                     the daemon core, its lifecycle and its composition root (compose.ts)
 *   keepalived                 lvsd import-keepalived: keepalived.conf → lvsd TOML, checked by config
 *   cli, lab                   commands; main.ts dispatches to them (lab also drives routers over rtnetlink)
 */

/** Folders each src/ layer may import besides itself (native/ is open to every layer). */
const LAYERS = {
  util: [],
  netlink: ['util'],
  ipvs: ['netlink', 'util'],
  rtnetlink: ['netlink', 'util'],
  sync: ['ipvs', 'netlink', 'util'],
  health: ['util'],
  announce: ['rtnetlink', 'netlink', 'util'],
  vrrp: ['sync', 'rtnetlink', 'netlink', 'util'],
  dataplane: ['ipvs', 'netlink', 'util'],
  metrics: ['sync', 'ipvs', 'util'],
  web: ['util'],
  config: ['announce', 'health', 'vrrp', 'ipvs', 'util'],
  plan: ['config', 'dataplane', 'ipvs', 'util'],
  control: ['config', 'announce', 'vrrp', 'sync', 'ipvs', 'util'],
  daemon: [
    'control',
    'sync',
    'plan',
    'config',
    'metrics',
    'web',
    'dataplane',
    'health',
    'vrrp',
    'announce',
    'ipvs',
    'rtnetlink',
    'netlink',
    'util',
  ],
  keepalived: ['config', 'util'],
  cli: ['daemon', 'keepalived', 'control', 'config', 'dataplane', 'ipvs', 'util'],
  lab: ['config', 'rtnetlink', 'netlink', 'util'],
};

/**
 * Codecs and other pure modules: bytes or data in, bytes or data out. They may use Node's `isIP`
 * (node:net) and pure native/ modules (errno, address bytes, constants), never a socket, a file, a
 * process or a thread.
 */
const PURE = [
  '^src/netlink/(attributes|message|batch|reply|genl|errors)\\.ts$',
  '^src/ipvs/(codec|decode|decode-dest|packed-rules|format|rules|constants|types|addr|errors|sync-daemon)\\.ts$',
  '^src/sync/(plan|setup|status|hook)\\.ts$',
  '^src/rtnetlink/codec\\.ts$',
  '^src/vrrp/(packet|ip|frames|checksum|machine|track|schema)\\.ts$',
  '^src/health/(icmp-packet|http-request|http-response|state|schema|common|http-schema)\\.ts$',
  '^src/plan/(desired|diff|drain|kernel|saved-drains)\\.ts$',
  '^src/config/(diff|rules|view|normalize|schema|sync-schema|fields|walk|issues|validate|plain-real-server)\\.ts$',
  '^src/control/(protocol|format|status-report)\\.ts$',
  '^src/announce/(machine|ecmp|status)\\.ts$',
];
const IO = [
  '^native/(libc|socket|epoll|poller|tcp-connect|netns|interfaces|msghdr)\\.ts$',
  'koffi',
  '^(node:)?(dgram|fs|fs/promises|child_process|worker_threads|http|https|tls|cluster)$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A file must not import itself back, directly or through others (type-only imports count).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'native-is-the-floor',
      comment: 'native/ imports nothing from src/: what native needs lives in native (errno, address bytes).',
      severity: 'error',
      from: { path: '^native/' },
      to: { path: '^src/' },
    },
    ...Object.entries(LAYERS).map(([layer, allowed]) => ({
      name: `layer-${layer}`,
      comment: `src/${layer} imports only ${allowed.length ? allowed.join(', ') + ' and ' : ''}native.`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: '^src/', pathNot: `^src/(${[layer, ...allowed].join('|')})/` },
    })),
    {
      name: 'codecs-do-no-io',
      comment: 'Pure modules (codecs, planner, config, protocol) reach no socket, file, process or thread.',
      severity: 'error',
      from: { path: PURE },
      to: { reachable: true, path: IO },
    },
    {
      name: 'src-not-to-tests',
      comment: 'Production code does not import tests, benchmarks or build scripts.',
      severity: 'error',
      from: { path: '^(src|native)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
  },
};
