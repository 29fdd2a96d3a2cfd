/**
 * Descriptions and examples of the keys whose schemas live in other layers (health checks:
 * src/health; VRRP: src/vrrp). docs.ts refuses to generate docs/config.md when a schema key has no
 * entry here, so a new key cannot go undocumented.
 */

/** [description, example] per key of a `check` table (common keys and every kind's keys). */
export const CHECK_KEYS: Record<string, [string, string]> = {
  type: ['Check kind: tcp, http, https, icmp, udp, dns or script.', '"http"'],
  interval: [
    'Time between the starts of two probe rounds (a round that started more than a quarter interval late is followed one interval after its start, not early to catch up; a round held back less keeps its place on the schedule).',
    '"1s"',
  ],
  timeout: ['Deadline of one probe attempt; must not exceed interval. Default min(1s, interval).', '"500ms"'],
  rise: ['Consecutive successes before a down server is up.', '2'],
  fall: ['Consecutive failures before an up server is down.', '3'],
  initial: ['State before the first verdict: "up", or "down" until proven (keepalived alpha).', '"down"'],
  warmup: ['Spread the first probe of each target randomly over one interval.', 'true'],
  retries: ['Extra attempts within one round before it counts as a failure.', '1'],
  retry_delay: ['Pause before each retry.', '"100ms"'],
  connect_ip: ["Probe this address instead of the real server's.", '"10.99.1.11"'],
  connect_port: ["Probe this port instead of the real server's.", '8081'],
  bindto: ['Local source address of probes.', '"10.99.1.1"'],
  send: ['tcp/udp: bytes to send after connecting (text).', '"PING\\r\\n"'],
  send_hex: ['tcp: bytes to send, as hex.', '"0a ff"'],
  expect: [
    'tcp/udp: regular expression the reply must match (RE2 syntax, matched in linear time; at most 512 characters).',
    '"^\\\\+PONG"',
  ],
  expect_hex: ['tcp/udp: bytes the reply must start with, as hex.', '"0a ff"'],
  method: ['http(s): request method.', '"HEAD"'],
  path: ['http(s): request path.', '"/healthz"'],
  host: ['http(s): Host header (and default SNI for https).', '"web.example"'],
  headers: ['http(s): extra request headers.', '{ "X-Probe" = "lvsd" }'],
  body: ['http(s): request body.', '"{}"'],
  expect_status: ['http(s): accepted status codes or ranges.', '["200-299", 304]'],
  expect_body: [
    'http(s): regular expression the body must match (first max_body_bytes, at most 64 KiB with it; RE2 syntax, matched in linear time: no backreferences or lookaround; at most 512 characters).',
    '"ok"',
  ],
  expect_digest: [
    'http(s): hex digest the body must have: MD5 (32 digits, keepalived HTTP_GET digest / genhash) or SHA-256 (64 digits).',
    '"9f86d0…"',
  ],
  max_body_bytes: ['http(s): most body bytes read per probe.', '65536'],
  follow_redirects: [
    'http(s): follow redirects: true (up to 5), or the maximum number (0-10); 0 or false follows none.',
    '3',
  ],
  sni: ['https: TLS server name.', '"web.example"'],
  tls_verify: ['https: verify the certificate chain and name.', 'false'],
  ca_file: ['https: CA bundle (PEM) to verify against.', '"/etc/lvsd/ca.pem"'],
  size: ['icmp: payload bytes of the echo request.', '56'],
  payload: ['udp: datagram to send (text).', '"ping"'],
  payload_hex: ['udp: datagram to send, as hex.', '"00 01"'],
  require_reply: ['udp: a reply is required (otherwise only an ICMP unreachable fails).', 'true'],
  name: ['dns: name to query.', '"example.test"'],
  query_type: ['dns: record type to query.', '"AAAA"'],
  expect_answer: ['dns: an answer record must have this data.', '"10.1.2.3"'],
  recursion: ['dns: set the RD (recursion desired) flag.', 'false'],
  command: ['script: argv run without a shell; exit 0 = up.', '["/usr/local/bin/check", "db"]'],
  dynamic: [
    'script: exit code sets the weight like keepalived misc_dynamic (0 up, 1 down, 2-255 → weight code-2).',
    'true',
  ],
};

/** [description, example] per key of a `[[vrrp_instance]]` table. */
export const VRRP_KEYS: Record<string, [string, string]> = {
  name: ['Instance name (logs, metrics, LVSD_VRRP_INSTANCE of notify hooks).', '"VI_51"'],
  interface: ['Interface adverts are sent and received on.', '"eth0"'],
  virtual_router_id: ['VRID 1-255, the same on every node of the group.', '51'],
  priority: ['1-255; 255 = address owner.', '150'],
  version: ['VRRP version 2 or 3 (IPv6 needs 3).', '3'],
  advert_interval: [
    'Advertisement interval (v2: whole seconds; v3: 10ms to 40.95s). Use the same on every node: a backup adopts a longer master interval but never waits less than 3 × its own.',
    '"1s"',
  ],
  preempt: ['A higher-priority backup takes over a live master (false = keepalived nopreempt).', 'false'],
  preempt_delay: ['Wait this long before preempting (0-1000s).', '"30s"'],
  unicast_src_ip: ['Source address of unicast adverts.', '"192.0.2.1"'],
  unicast_peers: ['Unicast peers; empty = multicast 224.0.0.18 / ff02::12.', '["192.0.2.2"]'],
  authentication: ['VRRPv2 simple password (type "pass", at most 8 bytes).', '{ type = "pass", password = "s3cret" }'],
  virtual_ipaddress: ['Virtual IPs: "addr/prefix" or { address, prefix, dev, label }.', '["10.99.0.50/24"]'],
  track_interface: ['Links to watch: down → FAULT, or { name, weight } to change priority.', '["eth0"]'],
  track_script: [
    'Scripts to run: { argv, interval, timeout, rise, fall, weight }.',
    '[{ argv = ["/bin/true"], weight = -20 }]',
  ],
  track_virtual_server: [
    'Virtual servers of this lvsd: while below quorum, priority += weight.',
    '[{ name = "web", weight = -60 }]',
  ],
  notify: ['Hooks (argv, no shell) for master, backup, fault, stop.', '{ master = ["/usr/local/bin/on-master"] }'],
  notify_timeout: ['Kill a notify hook still running after this long.', '"10s"'],
  garp_master_repeat: ['Gratuitous ARPs / unsolicited NAs per burst on becoming master.', '5'],
  garp_master_delay: ['Delay of the second burst after becoming master; 0 disables.', '"5s"'],
  garp_master_refresh: ['Periodic refresh burst while master; omit to disable.', '"60s"'],
  garp_interval: ['Gap between the packets of one burst.', '"10ms"'],
};
