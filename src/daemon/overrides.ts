/**
 * Runtime overrides set with lvsctl (state ready|drain|maint, weight), per real server keyed by
 * virtual-server NAME and real-server "addr:port" and per virtual server by NAME (so they survive
 * reloads that keep those names), persisted in a small JSON state file (global.state_file) so they
 * survive restarts:
 *   {"version":2,
 *    "servers":[{"vs":"web","rs":"10.0.0.2:8080","state":"drain"},{"vs":"web","rs":"10.0.0.3:8080","state":"ready","weight":50}],
 *    "services":[{"vs":"api","state":"maint"}],
 *    "removedDrains":[...planner data...]}
 * (removedDrains: servers removed by a reload and still draining, so a restart keeps draining them).
 * A version 1 file ({"version":1,"drained":[{vs,rs}]}) is read as servers in state drain. Writes
 * are atomic (temp file + rename). A missing file is no override; a corrupt one, or a bad entry, is
 * reported (the daemon logs it and starts without it rather than refusing to start).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { isNeutral, type AdminEntry, type AdminLookup } from '../plan/admin.js';
import { serverId } from '../plan/desired.js';
import { splitId } from './names.js';

const name = z.string().min(1).max(256);
const state = z.enum(['ready', 'drain', 'maint']);
const serverEntry = z.object({ vs: name, rs: name, state, weight: z.int().min(0).max(65535).optional() });
const serviceEntry = z.object({ vs: name, state });
const fileSchema = z.union([
  z.object({ version: z.literal(1), drained: z.array(z.unknown()), removedDrains: z.array(z.unknown()).optional() }),
  z.object({
    version: z.literal(2),
    servers: z.array(z.unknown()).default([]),
    services: z.array(z.unknown()).default([]),
    removedDrains: z.array(z.unknown()).optional(),
  }),
]);

/** The operator's overrides with their persistence; also the planner's AdminLookup. */
export class Overrides implements AdminLookup {
  private readonly servers = new Map<string, AdminEntry>();
  private readonly services = new Map<string, AdminEntry>();
  private drainsJson = '[]';

  constructor(private readonly file?: string) {}

  /** Loads the state file; returns a problem text if it (or an entry) was unreadable or corrupt, else undefined. */
  load(): string | undefined {
    if (!this.file) return undefined;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `cannot read state file ${this.file}: ${(e as Error).message}`;
    }
    return this.parse(text);
  }

  private parse(text: string): string | undefined {
    let o: z.output<typeof fileSchema>;
    try {
      o = fileSchema.parse(JSON.parse(text));
    } catch {
      return `state file ${this.file} is corrupt (expected {"version":2,"servers":[...],"services":[...]}); starting with no overrides`;
    }
    if (o.removedDrains) this.drainsJson = JSON.stringify(o.removedDrains);
    const servers = o.version === 1 ? o.drained.map((d) => ({ ...(d as object), state: 'drain' })) : o.servers;
    const bad = [
      ...servers.filter((e) => !this.loadServer(serverEntry.safeParse(e))),
      ...(o.version === 2 ? o.services : []).filter((e) => !this.loadService(serviceEntry.safeParse(e))),
    ];
    if (bad.length === 0) return undefined;
    return `state file ${this.file}: ${bad.length} entr${bad.length > 1 ? 'ies' : 'y'} ignored (not a valid override): ${JSON.stringify(bad).slice(0, 200)}`;
  }

  private loadServer(r: z.ZodSafeParseResult<z.output<typeof serverEntry>>): boolean {
    if (!r.success) return false;
    const { vs, rs, ...entry } = r.data;
    this.servers.set(serverId(vs, rs), entry);
    return true;
  }

  private loadService(r: z.ZodSafeParseResult<z.output<typeof serviceEntry>>): boolean {
    if (!r.success) return false;
    this.services.set(r.data.vs, { state: r.data.state });
    return true;
  }

  /** The override of real server "vs|rs". */
  server(id: string): AdminEntry | undefined {
    return this.servers.get(id);
  }

  /** The override of virtual server `vs`. */
  service(vs: string): AdminEntry | undefined {
    return this.services.get(vs);
  }

  /** Sets (or with a neutral entry, forgets) a real server's override and persists. */
  setServer(vs: string, rs: string, e: AdminEntry): void {
    this.put(this.servers, serverId(vs, rs), e);
  }

  /** Sets (or with a neutral entry, forgets) a virtual server's override and persists. */
  setService(vs: string, e: AdminEntry): void {
    this.put(this.services, vs, {
      state: e.state,
      ...(e.readySince !== undefined ? { readySince: e.readySince } : {}),
    });
  }

  private put(m: Map<string, AdminEntry>, key: string, e: AdminEntry): void {
    // a ready entry with no weight is kept while its slow start may run; it is not written to the file
    if (isNeutral(e) && e.readySince === undefined) m.delete(key);
    else m.set(key, e);
    this.save();
  }

  /** Drains of removed servers saved by the last run (untrusted JSON: src/plan/saved-drains.ts checks it). */
  removedDrains(): unknown[] {
    return JSON.parse(this.drainsJson) as unknown[];
  }

  /** Replaces the saved drains of removed servers; writes the file only when they changed. */
  setRemovedDrains(entries: readonly object[]): void {
    const json = JSON.stringify(entries);
    if (json === this.drainsJson) return;
    this.drainsJson = json;
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const servers = [...this.servers]
      .filter(([, e]) => !isNeutral(e))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, e]) => {
        const [vs, rs] = splitId(id);
        return { vs, rs, state: e.state, ...(e.weight !== undefined ? { weight: e.weight } : {}) };
      });
    const services = [...this.services]
      .filter(([, e]) => !isNeutral(e))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([vs, e]) => ({ vs, state: e.state }));
    const removedDrains = JSON.parse(this.drainsJson) as unknown[];
    const body = { version: 2, servers, services, ...(removedDrains.length ? { removedDrains } : {}) };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(body) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
