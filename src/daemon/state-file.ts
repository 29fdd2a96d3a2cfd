/**
 * The state file's format, checked field by field when it is read (it may have been edited by hand,
 * truncated by a full disk, or written by another version):
 *   {"version":2,
 *    "servers":[{"vs":"web","rs":"10.0.0.2:8080","state":"drain"},{"vs":"web","rs":"10.0.0.3:8080","state":"ready","weight":50}],
 *    "services":[{"vs":"api","state":"maint"}],
 *    "removedDrains":[...]}
 * A version 1 file ({"version":1,"drained":[{"vs":"web","rs":"10.0.0.2:8080"}]}, written by lvsd
 * before operator states) reads as those servers in state drain.
 * `removedDrains` are the planner's drains of servers a reload removed (src/plan/saved-drains.ts):
 * every field the planner and the kernel will read is checked here, so a wrong one is a clear
 * problem at start, never a crash in a pass. Pure.
 */
import { z } from 'zod';
import { canonicalIp } from '../../native/ip.js';
import type { AdminState } from '../plan/admin.js';
import type { SavedDrain } from '../plan/saved-drains.js';

const u32 = z.int().min(0).max(0xffffffff);
const port = z.int().min(0).max(65535);
const family = z.enum(['inet', 'inet6']);
const address = z.string().refine((s) => canonicalIp(s) === s, { error: 'expected a canonical IP address' });
const name = z.string().min(1).max(256);

const serviceId = z.union([
  z.strictObject({ af: family, protocol: z.enum(['tcp', 'udp', 'sctp']), address, port }),
  z.strictObject({ af: family, fwmark: u32.min(1) }),
]);

const destination = z.strictObject({
  af: family,
  address,
  port,
  forwarding: z.enum(['nat', 'local', 'tun', 'dr', 'bypass']),
  weight: u32,
  upperThreshold: u32,
  lowerThreshold: u32,
  tunType: z.enum(['ipip', 'gue', 'gre']).optional(),
  tunPort: port.optional(),
  tunFlags: u32.optional(),
});

const service = z.strictObject({
  id: serviceId,
  scheduler: z.string().regex(/^[a-z]{1,15}$/),
  flags: u32,
  timeout: u32,
  netmask: u32,
  pe: z.string().max(32).optional(),
});

const savedDrain = z.strictObject({
  why: z.literal('removed'),
  startedAt: z.number().finite().optional(),
  service: serviceId,
  dest: destination,
  settings: service.optional(),
  vs: name,
  rs: name,
  done: z.boolean().optional(),
});

const state = z.enum(['ready', 'drain', 'maint']);

/** The whole file, by version. */
const stateSchema = z.discriminatedUnion('version', [
  z.strictObject({
    version: z.literal(1),
    drained: z.array(z.strictObject({ vs: name, rs: name })),
    removedDrains: z.array(savedDrain).optional(),
  }),
  z.strictObject({
    version: z.literal(2),
    servers: z.array(z.strictObject({ vs: name, rs: name, state, weight: z.int().min(0).max(65535).optional() })),
    services: z.array(z.strictObject({ vs: name, state })),
    removedDrains: z.array(savedDrain).optional(),
  }),
]);

/** One real server's override as stored. */
export type ServerOverride = { vs: string; rs: string; state: AdminState; weight?: number };

/** A state file as read (any version, as version 2). */
export type StateFile = {
  servers: ServerOverride[];
  services: Array<{ vs: string; state: AdminState }>;
  removedDrains: SavedDrain[];
};

/** Parses the file's text; returns the state, or a problem naming the first wrong field. */
export function parseStateFile(text: string): { ok: true; state: StateFile } | { ok: false; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `not JSON (${(e as Error).message.slice(0, 100)})` };
  }
  const r = stateSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const at = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') || 'the file';
    return { ok: false, problem: `${at.replace(/^\./, '')}: ${i.message.slice(0, 200)}` };
  }
  const removedDrains = (r.data.removedDrains ?? []).map((d) => ({ ...d, done: false }) as SavedDrain);
  const d = r.data;
  if (d.version === 1)
    return {
      ok: true,
      state: { servers: d.drained.map((x) => ({ ...x, state: 'drain' as const })), services: [], removedDrains },
    };
  return { ok: true, state: { servers: d.servers, services: d.services, removedDrains } };
}
