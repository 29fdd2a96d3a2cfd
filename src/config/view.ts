/**
 * The file as the cross-field rules (rules.ts) see it: for every table, the fields that passed their
 * own schema, typed (an absent key holds the schema's default), and the keys the file wrote, valid
 * or not, so a rule can tell a missing key from an invalid one. Built from the validated tables when
 * every field is valid (`viewOfValid`, no second parse), else table by table and field by field from
 * the file (`viewOfFile`, so one pass still reports every cross-field problem next to the field
 * problems). viewOfFile is the readable reference: test/unit/config/view.test.ts holds the two equal
 * on valid files.
 */
import type { z } from 'zod';
import { SCHEDULER_FLAG_NAMES, type SchedulerFlag } from '../ipvs/constants.js';
import { vrrpInstanceSchema } from '../vrrp/schema.js';
import { isTable } from './fields.js';
import type { PlainRealServer } from './plain-real-server.js';
import { announceSchema, fileSchema, realServerSchema, virtualServerSchema } from './schema.js';
import { syncSchema, type SyncTable } from './sync-schema.js';

type File = z.output<typeof fileSchema>;
type VsTable = Omit<z.output<typeof virtualServerSchema>, 'real_server' | 'scheduler_flags' | 'check'>;
type RsTable = Omit<z.output<typeof realServerSchema>, 'check'>;
type VrrpTable = Omit<z.output<typeof vrrpInstanceSchema>, 'track_virtual_server'>;
type AnnounceTable = z.output<typeof announceSchema>;

/** One table: its valid fields, the keys written in the file, and its index in its array. */
export interface Seen<T> {
  v: Partial<T>;
  given: ReadonlySet<string>;
  at: number;
}

/** A virtual server; its real servers and scheduler flags are seen one by one. */
export interface VsView extends Seen<VsTable> {
  real_server: Seen<RsTable>[];
  scheduler_flags: Array<{ flag: SchedulerFlag; at: number }>;
}

/** A VRRP instance; its track_virtual_server entries are seen one by one. */
export interface VrrpView extends Seen<VrrpTable> {
  track_virtual_server: Array<{ name: string; at: number }>;
}

/** What the cross-field rules read. */
export interface FileView {
  /** `[announce]` when the file has that table. */
  announce?: Seen<AnnounceTable>;
  virtual_server: VsView[];
  vrrp_instance: VrrpView[];
  /** The [sync] table (`at` is 0), when the file has one. */
  sync?: Seen<SyncTable>;
}

/** Keys the rules never read (checks are validated, and merged, elsewhere). */
const SKIP = new Set(['check', 'real_server', 'scheduler_flags', 'track_virtual_server']);

/**
 * The view of a file whose every field is valid: `file` is fileSchema's output, `plain` the real-server lists
 * validated by the fast path, `raw` the parsed TOML they came from.
 */
export function viewOfValid(file: File, plain: ReadonlyMap<number, PlainRealServer[]>, raw: unknown): FileView {
  const rawVs = tablesOf(raw, 'virtual_server');
  const rawVrrp = tablesOf(raw, 'vrrp_instance');
  const rawAnnounce = isTable(raw) ? raw.announce : undefined;
  return {
    ...(file.announce ? { announce: { v: file.announce, given: keysOf(rawAnnounce), at: 0 } } : {}),
    virtual_server: file.virtual_server.map((vs, i) => {
      const rawRs = tablesOf(rawVs[i]?.t, 'real_server');
      return {
        v: vs,
        given: keysOf(rawVs[i]?.t),
        at: i,
        real_server: (plain.get(i) ?? vs.real_server).map((rs, j) => ({ v: rs, given: keysOf(rawRs[j]?.t), at: j })),
        scheduler_flags: vs.scheduler_flags.map((flag, at) => ({ flag, at })),
      };
    }),
    vrrp_instance: file.vrrp_instance.map((vi, i) => ({
      v: vi,
      given: keysOf(rawVrrp[i]?.t),
      at: i,
      track_virtual_server: vi.track_virtual_server.map(({ name }, at) => ({ name, at })),
    })),
    ...(file.sync ? { sync: { v: file.sync, given: keysOf(isTable(raw) ? raw.sync : undefined), at: 0 } } : {}),
  };
}

/** The view of any parsed TOML: every table's fields parsed on their own; what is not a table is left out. */
export function viewOfFile(raw: unknown): FileView {
  const vsShape = virtualServerSchema.shape as Record<string, z.ZodType>;
  const rsShape = realServerSchema.shape as Record<string, z.ZodType>;
  const vrrpShape = vrrpInstanceSchema.shape as Record<string, z.ZodType>;
  const track = vrrpInstanceSchema.shape.track_virtual_server.unwrap().element;
  const announce = isTable(raw) && isTable(raw.announce) ? raw.announce : undefined;
  return {
    ...(announce
      ? { announce: seen<AnnounceTable>(announceSchema.shape as Record<string, z.ZodType>, announce, 0) }
      : {}),
    virtual_server: tablesOf(raw, 'virtual_server').map(({ t, at }) => ({
      ...seen<VsTable>(vsShape, t, at),
      real_server: tablesOf(t, 'real_server').map((rs) => seen<RsTable>(rsShape, rs.t, rs.at)),
      scheduler_flags: itemsOf(t.scheduler_flags).flatMap(({ x, at }) => {
        const flag = SCHEDULER_FLAG_NAMES.find((f) => f === x);
        return flag ? [{ flag, at }] : [];
      }),
    })),
    vrrp_instance: tablesOf(raw, 'vrrp_instance').map(({ t, at }) => ({
      ...seen<VrrpTable>(vrrpShape, t, at),
      track_virtual_server: itemsOf(t.track_virtual_server).flatMap(({ x, at }) => {
        const r = track.safeParse(x);
        return r.success ? [{ name: r.data.name, at }] : [];
      }),
    })),
    ...(isTable(raw) && isTable(raw.sync)
      ? { sync: seen<SyncTable>(syncSchema.shape as Record<string, z.ZodType>, raw.sync, 0) }
      : {}),
  };
}

/** Each key of `shape` the rules read, parsed on its own; a key that fails is left out of `v`. */
function seen<T>(shape: Record<string, z.ZodType>, t: Record<string, unknown>, at: number): Seen<T> {
  const v: Record<string, unknown> = {};
  for (const k of Object.keys(shape)) {
    if (SKIP.has(k)) continue;
    const r = shape[k]!.safeParse(t[k]);
    if (r.success) v[k] = r.data;
  }
  return { v: v as Partial<T>, given: keysOf(t), at };
}

function tablesOf(parent: unknown, key: string): Array<{ t: Record<string, unknown>; at: number }> {
  const list = isTable(parent) ? parent[key] : undefined;
  return itemsOf(list).flatMap(({ x, at }) => (isTable(x) ? [{ t: x, at }] : []));
}

function itemsOf(list: unknown): Array<{ x: unknown; at: number }> {
  return Array.isArray(list) ? list.map((x, at) => ({ x, at })) : [];
}

function keysOf(t: unknown): ReadonlySet<string> {
  return new Set(isTable(t) ? Object.keys(t) : []);
}
