/**
 * The lvsd config file's tables, validated with zod 4 field by field: `globalSchema`,
 * `virtualServerSchema`, `realServerSchema` (documented key by key for docs/config.md) and
 * `fileSchema`, the whole file. validate.ts runs them with the cross-field rules (rules.ts) and
 * turns the result into the normalized `Config` (normalize.ts).
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { checkSchema } from '../health/schema.js';
import { SCHEDULER_FLAG_NAMES, SCHEDULERS } from '../ipvs/constants.js';
import { durationField, durationSchema } from '../util/duration.js';
import { splitHostPort } from '../util/host-port.js';
import { vrrpInstanceSchema } from '../vrrp/schema.js';
import { bool, doc, int, ipAddress, oneOf, table, text } from './fields.js';
import { showValue } from '../util/zod-message.js';
import { syncSchema } from './sync-schema.js';

/** At least 1s (resync_interval, drain_timeout). */
const atLeast1s = durationField({ ok: (ms) => ms >= 1000, message: (t) => `must be at least 1s, got "${t}"` });

/** A listener port: 1-65535 (undefined: the "host:port" pattern already failed). */
const listenPortOk = (port: number | undefined) => port === undefined || (port >= 1 && port <= 65535);

/** A listener host: an IP literal (bindable or not is checked by --check and at start) or "localhost". */
const listenHostOk = (host: string) => host === 'localhost' || isIP(host) !== 0;

/** A hook's argv (no shell): the program, then its arguments. */
const hookArgv = z
  .array(z.string().min(1), { error: 'expected an argv array like ["/usr/local/bin/page", "quorum"]' })
  .min(1, 'argv needs at least the program');

const name = text('a name of 1-64 letters, digits, "_", "-" or "."', /^[A-Za-z0-9_.-]{1,64}$/);

/** `[global]`: daemon-wide settings. Every key is optional. */
export const globalSchema = table({
  router_id: doc(
    text('a non-empty string of at most 64 characters', /^.{1,64}$/).default(() => hostname()),
    {
      description: 'Names this node in logs, metrics and VRRP notifications.',
      example: '"lb1"',
      default: 'the host name',
    },
  ),
  log_level: doc(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'), {
    description: 'pino log level of the JSON log on stdout.',
    example: '"info"',
  }),
  control_socket: doc(text('an absolute path', /^\/.+/).default('/run/lvsd/lvsd.sock'), {
    description:
      'Unix socket lvsctl talks to; created with mode 0600 (only its owner can connect), or 0660 with control_socket_group.',
    example: '"/run/lvsd/lvsd.sock"',
  }),
  control_socket_group: doc(
    text('a group name or a numeric group id', /^([A-Za-z_][A-Za-z0-9_.-]{0,31}|\d{1,10})$/).optional(),
    {
      description:
        'A group whose members may connect to the control socket too (mode 0660). lvsd must be a member (systemd: SupplementaryGroups=) or root. Omit: the owner only.',
      example: '"lvsadm"',
      default: 'none (owner only)',
    },
  ),
  metrics_listen: doc(
    text('"host:port" such as "127.0.0.1:9405" or "[::1]:9405"', /^(\[[0-9A-Fa-f:.]+\]|[^:\s\[\]]+):\d{1,5}$/)
      .refine((s) => listenPortOk(splitHostPort(s).port), {
        error: (iss) => `port must be 1-65535, got ${splitHostPort(String(iss.input)).port}`,
      })
      .refine((s) => listenHostOk(splitHostPort(s).host), {
        error: (iss) =>
          `the host must be an IP address of this machine or "localhost", got ${showValue(splitHostPort(String(iss.input)).host)}`,
      })
      .optional(),
    {
      description: 'Address of the Prometheus /metrics and /healthz HTTP listener; omit to disable.',
      example: '"127.0.0.1:9405"',
      default: 'none (disabled)',
    },
  ),
  resync_interval: doc(atLeast1s.default(30_000), {
    type: 'duration',
    default: '"30s"',
    description:
      'How often the kernel table is re-read and drift (ipvsadm -d, -C, weight edits) repaired. At least 1s.',
    example: '"30s"',
  }),
  on_shutdown: doc(oneOf(['keep', 'remove']).default('keep'), {
    description: 'On SIGTERM/SIGINT: keep the IPVS entries lvsd owns (a restart drops nothing) or remove them.',
    example: '"keep"',
  }),
  removal: doc(oneOf(['drain', 'delete']).default('drain'), {
    description:
      'A real server removed from the config on reload: drain (weight 0, delete once its connections reach 0 or at drain_timeout) or delete at once.',
    example: '"drain"',
  }),
  drain_timeout: doc(atLeast1s.default(300_000), {
    type: 'duration',
    default: '"5m"',
    description: 'Longest a draining real server is kept (weight 0) before it is deleted even with connections left.',
    example: '"5m"',
  }),
  state_file: doc(text('an absolute path', /^\/.+/).default('/var/lib/lvsd/state.json'), {
    description: 'Where runtime overrides (lvsctl drain/enable) are kept across restarts.',
    example: '"/var/lib/lvsd/state.json"',
  }),
});

/** `[[virtual_server.real_server]]`: one destination. `check` here is already merged with the VS's check. */
export const realServerSchema = table({
  address: doc(ipAddress(), {
    description: 'Address of the real server (same family as the service unless forwarding = "tun").',
    example: '"10.99.1.11"',
    type: 'IP address',
  }),
  port: doc(int(0, 65535).optional(), {
    description:
      'Port of the real server. With forwarding dr or tun it must equal the service port (the kernel ignores it).',
    example: '8080',
    default: 'the service port (0 for fwmark services)',
  }),
  weight: doc(int(0, 65535).default(1), {
    description:
      'Scheduling weight 0-65535 (the kernel takes up to 2^31-1; lvsd caps at 65535 like keepalived so weights and slow-start steps stay meaningful). 0 = no new connections.',
    example: '100',
  }),
  upper_threshold: doc(int(0, 65535).default(0), {
    description: 'Stop sending new connections above this many active connections; 0 = no limit.',
    example: '0',
  }),
  lower_threshold: doc(int(0, 65535).default(0), {
    description: 'Resume below this many connections after hitting upper_threshold; must not exceed upper_threshold.',
    example: '0',
  }),
  forwarding: doc(oneOf(['nat', 'dr', 'tun']).optional(), {
    description: "Per-server override of the virtual server's forwarding method.",
    example: '"dr"',
    default: "the virtual server's forwarding",
  }),
  check: doc(checkSchema.optional(), {
    description:
      "Health check override: its keys override the virtual server's check; a different type replaces the whole block.",
    example: '{ type = "tcp" }',
    type: 'check table',
    default: "the virtual server's check",
  }),
});

/** `[[virtual_server]]`: one IPVS service, by address+port+protocol or by fwmark. */
export const virtualServerSchema = table({
  name: doc(name, {
    description: 'Unique name used by lvsctl, logs, metrics and track_virtual_server.',
    example: '"web"',
    type: 'string',
  }),
  address: doc(ipAddress().optional(), {
    description: 'Virtual IP of the service (give address + port, or fwmark).',
    example: '"10.99.0.50"',
    type: 'IP address',
    default: 'none',
  }),
  port: doc(int(0, 65535).optional(), {
    description: 'Service port; 0 (all ports) only with persistence.',
    example: '80',
    default: 'none (required with address)',
  }),
  protocol: doc(oneOf(['tcp', 'udp', 'sctp']).default('tcp'), {
    description: 'Transport protocol of an address-based service.',
    example: '"tcp"',
  }),
  fwmark: doc(int(1, 4294967295).optional(), {
    description: 'Firewall-mark service instead of address + port.',
    example: '7',
    default: 'none',
  }),
  family: doc(oneOf(['inet', 'inet6']).optional(), {
    description: 'Address family of a fwmark service (address-based services take it from address).',
    example: '"inet6"',
    default: '"inet" for fwmark services',
  }),
  scheduler: doc(oneOf(SCHEDULERS).default('wlc'), {
    description: 'IPVS scheduler: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos.',
    example: '"wrr"',
  }),
  scheduler_flags: doc(z.array(oneOf(SCHEDULER_FLAG_NAMES)).default([]), {
    description: 'Scheduler flags; sh-* only with scheduler "sh", mh-* only with "mh".',
    example: '["sh-port"]',
    type: 'array of strings',
  }),
  forwarding: doc(oneOf(['nat', 'dr', 'tun']).default('nat'), {
    description: 'Forwarding method: nat (masquerade), dr (direct routing), tun (IP tunnel).',
    example: '"nat"',
  }),
  tun_type: doc(oneOf(['ipip', 'gue', 'gre']).optional(), {
    description: 'Tunnel encapsulation with forwarding = "tun".',
    example: '"gue"',
    default: '"ipip" (with tun)',
  }),
  tun_port: doc(int(1, 65535).optional(), {
    description: 'Destination UDP port of GUE encapsulation (required with tun_type = "gue").',
    example: '6080',
    default: 'none',
  }),
  tun_flags: doc(oneOf(['nocsum', 'csum', 'remcsum']).optional(), {
    description: 'Tunnel checksum option for gue/gre.',
    example: '"csum"',
    default: '"nocsum"',
  }),
  persistence: doc(
    durationField(
      {
        ok: (ms) => ms >= 1000 && ms % 1000 === 0 && ms / 1000 <= 0xffffffff,
        message: (t) => `expected whole seconds of at least 1s, got "${t}"`,
      },
      { timer: false }, // the kernel's timeout, in seconds; lvsd never waits for it
    ).optional(),
    {
      description: 'Persistence timeout (sticky clients), whole seconds; omit for none.',
      example: '"300s"',
      type: 'duration',
      default: 'none',
    },
  ),
  persistence_netmask: doc(
    z.union([text('a dotted netmask like "255.255.255.0"', /^\d+\.\d+\.\d+\.\d+$/), int(1, 128)]).optional(),
    {
      description:
        'Group clients for persistence: IPv4 a dotted netmask or prefix length 1-32, IPv6 a prefix length 1-128. Needs persistence.',
      example: '"255.255.255.0"',
      type: 'string or integer',
      default: '/32 or /128',
    },
  ),
  persistence_engine: doc(oneOf(['sip']).optional(), {
    description: 'Persistence engine (the kernel has "sip", for UDP SIP Call-ID). Needs persistence.',
    example: '"sip"',
    default: 'none',
  }),
  one_packet: doc(bool().default(false), {
    description: 'One-packet scheduling (UDP only): each datagram is scheduled on its own.',
    example: 'false',
  }),
  ecmp: doc(bool().default(false), {
    description:
      'ECMP mode (one of N active directors behind a router, docs/ecmp.md): requires scheduler "mh" with "mh-port", forwarding dr or tun, on_failure "weight0" and no slow_start, adds the real servers in one order on every director, and keeps the kernel list in that fresh-start order after reloads.',
    example: 'true',
  }),
  quorum: doc(int(0, 4294967295).default(1), {
    description:
      'Minimum sum of live weights; below it the sorry server (if any) replaces the real servers and track_virtual_server lowers VRRP priority. 0 disables.',
    example: '1',
  }),
  quorum_hysteresis: doc(int(0, 4294967295).default(0), {
    description: 'Lost below quorum - hysteresis, regained at quorum + hysteresis.',
    example: '0',
  }),
  sorry_server: doc(text('"address:port", "[v6]:port" or an address', /^\S+$/).optional(), {
    description: 'Serves while the virtual server is below quorum.',
    example: '"10.99.1.250:8080"',
    type: 'string',
    default: 'none',
  }),
  quorum_up: doc(hookArgv.optional(), {
    description:
      'Hook run (argv, no shell) when the virtual server regains quorum; LVSD_VS, LVSD_QUORUM_STATE=up, LVSD_LIVE_WEIGHT, LVSD_QUORUM in its environment; killed after 10s.',
    example: '["/usr/local/bin/notify", "web", "up"]',
    type: 'argv (array of strings)',
    default: 'none',
  }),
  quorum_down: doc(hookArgv.optional(), {
    description:
      'Hook run (argv, no shell) when the virtual server falls below quorum; same environment, LVSD_QUORUM_STATE=down.',
    example: '["/usr/local/bin/notify", "web", "down"]',
    type: 'argv (array of strings)',
    default: 'none',
  }),
  on_failure: doc(oneOf(['weight0', 'remove']).default('weight0'), {
    description:
      'A failed real server gets weight 0 (keepalived inhibit_on_failure: existing connections continue) or is removed.',
    example: '"weight0"',
  }),
  maintenance: doc(oneOf(['remove', 'weight0']).default('remove'), {
    description:
      'What `lvsctl state ... maint` does to a real server: remove it from the kernel table, or keep it at weight 0 (its connections go on). `drain` always keeps it at weight 0.',
    example: '"remove"',
  }),
  slow_start: doc(durationSchema.optional(), {
    description:
      'Ramp a recovered real server from 1 to its weight over this time, in steps of max(1s, slow_start/10); omit for none.',
    example: '"30s"',
    type: 'duration',
    default: 'none',
  }),
  check: doc(checkSchema.optional(), {
    description: 'Health check, the default for every real server of this virtual server. Omit: servers are always up.',
    example: '{ type = "tcp", interval = "1s" }',
    type: 'check table',
    default: 'none (always up)',
  }),
  real_server: doc(z.array(realServerSchema).default([]), {
    description: 'The real servers (destinations).',
    example: '[[virtual_server.real_server]]',
    type: 'array of tables',
  }),
});

/** Route protocol numbers other programs use (/etc/iproute2/rt_protos): lvsd must not take one. */
export const TAKEN_ROUTE_PROTOCOLS: Readonly<Record<number, string>> = {
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  17: 'mrouted',
  18: 'keepalived',
  42: 'babel',
  99: 'openr',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

/** `[announce]`: VIP host routes in a kernel table while healthy, for a BGP speaker to export (docs/ecmp.md). */
export const announceSchema = table({
  table: doc(
    int(1, 4294967295).refine((t) => t < 253 || t > 255, {
      error: "tables 253-255 are the kernel's (default, main, local); pick another",
    }),
    {
      description:
        'Kernel routing table lvsd puts the host routes of announced VIPs in (FRR imports 1-252 only). Nothing routes through it: the speaker exports it.',
      example: '100',
    },
  ),
  protocol: doc(
    int(1, 255)
      .default(201)
      .refine((n) => TAKEN_ROUTE_PROTOCOLS[n] === undefined, {
        error: (iss) =>
          `that number is the route protocol of ${TAKEN_ROUTE_PROTOCOLS[Number(iss.input)]}; pick another`,
      }),
    {
      description: "Route protocol number marking lvsd's routes; routes of any other number are never touched.",
      example: '201',
    },
  ),
  vips: doc(z.array(ipAddress()).min(1, { error: 'name at least one VIP' }), {
    description: 'The VIPs to announce; each must be the address of at least one virtual server, whose health decides.',
    example: '["192.0.2.10"]',
  }),
  policy: doc(oneOf(['any', 'all']).default('all'), {
    description: 'A VIP is announced while any / all of its virtual servers are at quorum.',
    example: '"all"',
  }),
  hold_down: doc(durationSchema.default(5000), {
    type: 'duration',
    default: '"5s"',
    description:
      'How long the policy must hold without a break before a withdrawn VIP is announced again. Withdrawal is immediate.',
    example: '"5s"',
  }),
});

/** The whole file before cross-field rules: [global], [announce], [[virtual_server]], [[vrrp_instance]], [sync]. */
export const fileSchema = table({
  global: globalSchema.default(() => globalSchema.parse({})),
  announce: announceSchema.optional(),
  virtual_server: z.array(virtualServerSchema).default([]),
  vrrp_instance: z.array(vrrpInstanceSchema).default([]),
  sync: syncSchema.optional(),
});
