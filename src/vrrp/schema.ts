/**
 * The `[[vrrp_instance]]` table of the lvsd config, validated with zod. Keys follow keepalived's
 * vrrp_instance block (same names where they exist) so an operator can port a keepalived.conf by
 * renaming; durations are strings like "1s" / "100ms" parsed by `durationSchema` to milliseconds.
 *
 * Cross-field rules (each with a message naming the key):
 *   - version 2 needs whole-second advert_interval (1-255 s); version 3 needs centisecond
 *     granularity, 10 ms .. 40.95 s (the 12-bit Max Adver Int in centiseconds).
 *   - authentication exists only in VRRPv2 (RFC 5798 removed it).
 *   - the address family comes from the VIPs: all of one family; IPv6 needs version 3.
 *   - unicast_src_ip / unicast_peers must be of the VIPs' family.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { durationSchema } from '../util/duration.js';

const ifName = z
  .string()
  .min(1)
  .max(15)
  .regex(/^[^\s/]+$/, 'an interface name (no spaces or "/")');
const ipAddr = z.string().refine((s) => isIP(s) !== 0, { message: 'an IPv4 or IPv6 address' });
const argv = z.array(z.string().min(1)).min(1, 'argv needs at least the program');
const weight = z.number().int().min(-253).max(253);

/** "10.0.0.1/24" or "fe80::1/64" → { address, prefix }; without "/", the full-length prefix. */
function parseCidr(s: string, ctx: z.RefinementCtx): { address: string; prefix: number } | typeof z.NEVER {
  const [address, p, extra] = s.split('/');
  const fam = isIP(address ?? '');
  const prefix = p === undefined ? (fam === 6 ? 128 : 32) : Number(p);
  if (extra !== undefined || fam === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (fam === 6 ? 128 : 32)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not an address with an optional /prefix` });
    return z.NEVER;
  }
  return { address: address!, prefix };
}

/** One VIP: the address, its prefix (default /32 or /128), optional other device and label. */
const vipObject = z.strictObject({
  address: ipAddr,
  prefix: z.number().int().min(0).max(128).optional(),
  /** Device to add it to; default the instance's interface. */
  dev: ifName.optional(),
  /** IPv4 label such as "eth0:vip" (must start with the device name, as the kernel requires). */
  label: z.string().min(1).max(15).optional(),
});

/** A VIP as text ("addr/prefix") or a table; errors name the offending entry instead of "Invalid input". */
const vipSchema = z.unknown().transform((v, ctx) => {
  let out: { address: string; prefix?: number; dev?: string; label?: string };
  if (typeof v === 'string') {
    const c = parseCidr(v, ctx);
    if (c === z.NEVER) return z.NEVER;
    out = c;
  } else {
    const r = vipObject.safeParse(v);
    if (!r.success) {
      for (const i of r.error.issues)
        ctx.addIssue({ code: 'custom', path: i.path, message: `virtual IP: ${i.message}` });
      return z.NEVER;
    }
    out = r.data;
  }
  return {
    address: out.address,
    prefix: out.prefix ?? (isIP(out.address) === 6 ? 128 : 32),
    dev: out.dev,
    label: out.label,
  };
});

/** A tracked link: down → Fault (no weight) or effective priority += weight. */
const trackInterface = z
  .union([ifName, z.strictObject({ name: ifName, weight: weight.optional() })])
  .transform((t) => (typeof t === 'string' ? { name: t, weight: 0 } : { name: t.name, weight: t.weight ?? 0 }));

/** A tracked script (argv, no shell): exit 0 counts toward rise, anything else toward fall. */
const trackScript = z.strictObject({
  argv,
  interval: durationSchema.default(2000),
  timeout: durationSchema.default(2000),
  rise: z.number().int().min(1).default(1),
  fall: z.number().int().min(1).default(1),
  /** 0: failing script → Fault; else failing adds this (usually negative) weight. */
  weight: weight.default(0),
});

/** A virtual server of this daemon: below its quorum → effective priority += weight. */
const trackVirtualServer = z.strictObject({ name: z.string().min(1), weight: weight.default(0) });

/** Notify hooks, each an argv run without a shell; state in LVSD_VRRP_* environment variables. */
const notifySchema = z.strictObject({
  master: z.array(z.string()).default([]),
  backup: z.array(z.string()).default([]),
  fault: z.array(z.string()).default([]),
  stop: z.array(z.string()).default([]),
});

const base = z.strictObject({
  /** Instance name (logs, metrics, notify env LVSD_VRRP_INSTANCE). */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-", "."'),
  /** Interface adverts are sent and received on (multicast join, SO_BINDTODEVICE). */
  interface: ifName,
  virtual_router_id: z.number().int().min(1).max(255),
  /** 255 = address owner (starts as master at once); 0 is reserved for resigning. */
  priority: z.number().int().min(1).max(255).default(100),
  version: z.union([z.literal(2), z.literal(3)]).default(3),
  advert_interval: durationSchema.default(1000),
  /** false = keepalived's nopreempt: a higher-priority backup does not take over a live master. */
  preempt: z.boolean().default(true),
  /** Wait this long (in Backup) before preempting a lower-priority master; 0-1000 s like keepalived. */
  preempt_delay: durationSchema.default(0),
  /** Source address for unicast adverts; default the interface's primary address. */
  unicast_src_ip: ipAddr.optional(),
  /** Peers for unicast mode (one advert per peer); empty = multicast 224.0.0.18 / ff02::12. */
  unicast_peers: z.array(ipAddr).default([]),
  /** VRRPv2 simple password (keepalived "auth_type PASS"), at most 8 bytes. */
  authentication: z
    .strictObject({
      type: z.literal('pass'),
      password: z
        .string()
        .min(1)
        .refine((s) => Buffer.byteLength(s) <= 8, 'at most 8 bytes'),
    })
    .optional(),
  virtual_ipaddress: z.array(vipSchema).min(1, 'at least one virtual IP').max(255),
  track_interface: z.array(trackInterface).default([]),
  track_script: z.array(trackScript).default([]),
  track_virtual_server: z.array(trackVirtualServer).default([]),
  notify: notifySchema.default({ master: [], backup: [], fault: [], stop: [] }),
  /** Kill a notify hook still running after this long. */
  notify_timeout: durationSchema.default(10_000),
  /** Gratuitous ARPs / unsolicited NAs per burst on becoming master. */
  garp_master_repeat: z.number().int().min(1).max(255).default(5),
  /** Delay before the second burst after becoming master; 0 disables it. */
  garp_master_delay: durationSchema.default(5000),
  /** Periodic refresh burst while master; omit to disable. */
  garp_master_refresh: durationSchema.optional(),
  /** Gap between the packets of one burst (0 = back to back, like keepalived's default). */
  garp_interval: durationSchema.default(0),
});

/** Checks that span keys; each message names the key at fault. */
function crossCheck(c: z.output<typeof base>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const fams = new Set(c.virtual_ipaddress.map((v) => isIP(v.address)));
  const fam = [...fams][0];
  if (fams.size > 1)
    issue('virtual_ipaddress', 'all virtual IPs of one instance must be of one family (use two instances)');
  if (fam === 6 && c.version === 2) issue('version', 'VRRPv2 carries IPv4 only: IPv6 virtual IPs need version = 3');
  if (c.version === 2) {
    const a = c.advert_interval;
    if (a % 1000 !== 0 || a < 1000 || a > 255_000) issue('advert_interval', 'VRRPv2 needs whole seconds, 1s to 255s');
  } else {
    const a = c.advert_interval;
    if (a % 10 !== 0 || a < 10 || a > 40_950) issue('advert_interval', 'VRRPv3 needs centiseconds, 10ms to 40.95s');
    if (c.authentication) issue('authentication', 'authentication exists only in VRRPv2 (RFC 5798 removed it)');
  }
  if (c.preempt_delay > 1_000_000) issue('preempt_delay', 'at most 1000s');
  for (const p of [...c.unicast_peers, ...(c.unicast_src_ip ? [c.unicast_src_ip] : [])])
    if (isIP(p) !== fam) issue('unicast_peers', `${p} is not of the virtual IPs' family`);
  for (const v of c.virtual_ipaddress)
    if (v.prefix > (isIP(v.address) === 6 ? 128 : 32))
      issue('virtual_ipaddress', `${v.address}/${v.prefix}: prefix too long`);
}

/** Schema of one `[[vrrp_instance]]` table; output durations are milliseconds. */
export const vrrpInstanceSchema = base.superRefine(crossCheck);

/** A validated VRRP instance (durations in ms, VIPs normalised to { address, prefix, dev?, label? }). */
export type VrrpInstanceConfig = z.output<typeof vrrpInstanceSchema>;

/** 4 for IPv4 instances, 6 for IPv6 (from the first VIP; the schema guarantees one family). */
export function instanceFamily(c: Pick<VrrpInstanceConfig, 'virtual_ipaddress'>): 4 | 6 {
  return isIP(c.virtual_ipaddress[0]!.address) === 6 ? 6 : 4;
}
