/**
 * The `[sync]` table: the kernel's connection-sync daemons (src/sync), tied to VRRP instances or
 * standalone. One table, because the kernel runs at most one master and one backup daemon per
 * network namespace. Values the kernel would silently ignore or change (0 for maxlen, port or ttl;
 * a backup maxlen below 1024; a sync id above 255) are errors here, with the reason
 * (src/ipvs/sync-daemon.ts holds the kernel's rules; keepalived #1646).
 */
import { z } from 'zod';
import { groupProblems, maxSyncMaxlen, MIN_BACKUP_MAXLEN } from '../ipvs/sync-daemon.js';
import { durationField } from '../util/duration.js';
import { doc, int, ipAddress, oneOf, table, text } from './fields.js';

/** An optional integer min-max whose 0 the kernel takes as "not set": 0 is refused with the kernel's default named. */
function notZero(min: number, max: number, what: string, dflt: string) {
  return int(0, max)
    .superRefine((v, ctx) => {
      if (v === 0)
        ctx.addIssue({
          code: 'custom',
          message: `got 0, which the kernel takes as "not set" (it would use ${dflt} without a word): leave ${what} out instead`,
        });
      else if (v < min) ctx.addIssue({ code: 'custom', message: `expected an integer ${min}-${max}, got ${v}` });
    })
    .optional();
}

const shortDuration = (max: number, text: string) =>
  durationField({ ok: (ms) => ms <= max, message: (t) => `must be at most ${text}, got "${t}"` });

/** `[sync]`. */
export const syncSchema = table({
  interface: doc(text('an interface name (1-15 bytes, no spaces, "/" or ":")', /^[^\s/:]{1,15}$/), {
    description: 'Interface the sync messages go out of (master) and are received on (backup). Required.',
    example: '"eth1"',
    type: 'string',
    default: '**required**',
  }),
  vrrp_instances: doc(z.array(text('a VRRP instance name')).default([]), {
    description:
      'VRRP instances the daemons follow: while any is MASTER the master daemon runs, while any is BACKUP or FAULT the backup daemon. Empty: standalone, with `role`.',
    example: '["VI_1"]',
    type: 'array of strings',
    default: '[] (standalone)',
  }),
  role: doc(oneOf(['master', 'backup']).optional(), {
    description: 'Standalone only (no vrrp_instances): run this daemon, whatever VRRP does.',
    example: '"backup"',
    default: 'none',
  }),
  sync_id: doc(int(0, 255).optional(), {
    description:
      'SyncID 0-255 written in every message; a backup takes only messages with its id (0 = any). One id for the section: the master daemon sends every connection of the host under one id.',
    example: '51',
    type: 'integer',
    default: 'the virtual_router_id of the first vrrp_instances entry (standalone: 0)',
  }),
  maxlen: doc(notZero(MIN_BACKUP_MAXLEN, maxSyncMaxlen(), 'maxlen', 'the MTU'), {
    description: `UDP payload size of sync messages, ${MIN_BACKUP_MAXLEN}-${maxSyncMaxlen()} (${maxSyncMaxlen('ff02::1')} with an IPv6 group): a node runs as backup too, and a backup raises anything below ${MIN_BACKUP_MAXLEN} to ${MIN_BACKUP_MAXLEN}.`,
    example: '1472',
    type: 'integer',
    default: 'from the MTU (a master sends at most 1472)',
  }),
  group: doc(ipAddress().optional(), {
    description: 'IPv4 or IPv6 multicast group of the sync messages.',
    example: '"224.0.0.81"',
    type: 'IP address',
    default: '224.0.0.81 (the kernel default)',
  }),
  port: doc(notZero(1, 65535, 'port', '8848'), {
    description: 'UDP port of the sync messages (with net.ipv4.vs.sync_ports = N the kernel uses port .. port+N-1).',
    example: '8848',
    type: 'integer',
    default: '8848 (the kernel default)',
  }),
  ttl: doc(notZero(1, 255, 'ttl', '1'), {
    description: 'Multicast TTL of the sync messages, 1-255.',
    example: '1',
    type: 'integer',
    default: '1 (the kernel default)',
  }),
  startup_delay: doc(shortDuration(1_000_000, '1000s').default(10_000), {
    description:
      'A node that starts, or comes back from FAULT, runs the backup daemon and does not preempt a lower-priority master for this long, so the table reaches it first. Taking over from a silent master is not delayed.',
    example: '"10s"',
    type: 'duration',
    default: '"10s"',
  }),
  handover: doc(shortDuration(60_000, '60s').default(3000), {
    description:
      'After a transition the daemon of the old role runs on this long (the kernel sends queued updates up to 2 s late and drops them when its daemon stops).',
    example: '"3s"',
    type: 'duration',
    default: '"3s"',
  }),
});

/** Parsed `[sync]` (durations in ms). */
export type SyncTable = z.output<typeof syncSchema>;

/** The `maxlen` range [sync] accepts with `group` (a backup's minimum to what the group's family carries). */
export function syncMaxlenRange(group?: string): { min: number; max: number } {
  return { min: MIN_BACKUP_MAXLEN, max: maxSyncMaxlen(group) };
}

/** True when [sync] accepts `group`: an IPv4 or IPv6 multicast address. */
export function isSyncGroup(group: string): boolean {
  return groupProblems(group).length === 0;
}
