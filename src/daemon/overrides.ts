/**
 * Runtime overrides set with lvsctl (state ready|drain|maint, weight), per real server keyed by
 * virtual-server NAME and real-server "addr:port" and per virtual server by NAME (so they survive
 * reloads that keep those names), persisted in a small JSON state file (global.state_file, format in
 * state-file.ts) so they survive restarts. Also the planner's AdminLookup.
 * - A change is written first and takes effect only once written (temp file + rename): if the
 *   write fails, nothing changes, no temp file is left, and the caller gets DaemonError('ESTATE').
 * - A file that cannot be used at start (corrupt, a wrong field, not a regular file, too large) is
 *   moved aside to `<file>.bad-<time>`, named in the problem `load()` returns and in `lostAtStart`
 *   (lvsctl status shows it: the operator's overrides from before are not in effect), and the daemon
 *   starts with no overrides rather than refusing to start.
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isNeutral, type AdminEntry, type AdminLookup } from '../plan/admin.js';
import { serverId } from '../plan/desired.js';
import { readRegularFileSync } from '../util/regular-file.js';
import { DaemonError } from './errors.js';
import { splitId } from './names.js';
import { parseStateFile } from './state-file.js';

/** Largest state file read (10,000 overridden servers take about 700 KB). */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

type Entries = ReadonlyMap<string, AdminEntry>;

/** The operator's overrides with their persistence; also the planner's AdminLookup. */
export class Overrides implements AdminLookup {
  private servers: Entries = new Map();
  private services: Entries = new Map();
  private drainsJson = '[]';
  /** The removed-server drains as last written (a failed write is retried at the next change). */
  private writtenDrainsJson = '[]';
  /** Why the state file could not be used at start (it was moved aside), or undefined. */
  lostAtStart?: string;

  constructor(private readonly file?: string) {}

  /** Loads the state file; returns a problem text if it was unusable (see above), else undefined. */
  load(): string | undefined {
    if (!this.file) return undefined;
    let text: string;
    try {
      text = readRegularFileSync(this.file, MAX_STATE_BYTES);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') return undefined;
      return this.setAside(`cannot read state file ${this.file}: ${err.message}`);
    }
    const r = parseStateFile(text);
    if (!r.ok) return this.setAside(`state file ${this.file} is corrupt (${r.problem})`);
    this.servers = new Map(
      r.state.servers.map(({ vs, rs, ...e }) => [serverId(vs, rs), e.weight === undefined ? { state: e.state } : e]),
    );
    this.services = new Map(r.state.services.map(({ vs, state }) => [vs, { state }]));
    this.drainsJson = this.writtenDrainsJson = JSON.stringify(r.state.removedDrains);
    return undefined;
  }

  private setAside(problem: string): string {
    const aside = `${this.file}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    let where: string;
    try {
      renameSync(this.file!, aside);
      where = `moved to ${aside}`;
    } catch (e) {
      where = `could not be moved aside (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    }
    this.lostAtStart = `${problem}; ${where}; started with no overrides: states and weights set with lvsctl before are not in effect`;
    return this.lostAtStart;
  }

  /** The override of real server "vs|rs". */
  server(id: string): AdminEntry | undefined {
    return this.servers.get(id);
  }

  /** The override of virtual server `vs`. */
  service(vs: string): AdminEntry | undefined {
    return this.services.get(vs);
  }

  /** Sets (or with a neutral entry, forgets) a real server's override once written. Throws DaemonError ESTATE. */
  setServer(vs: string, rs: string, e: AdminEntry): void {
    const next = put(this.servers, serverId(vs, rs), e);
    this.write(next, this.services, this.drainsJson);
    this.servers = next;
  }

  /** Sets (or with a neutral entry, forgets) a virtual server's override once written. Throws DaemonError ESTATE. */
  setService(vs: string, e: AdminEntry): void {
    const next = put(this.services, vs, {
      state: e.state,
      ...(e.readySince !== undefined ? { readySince: e.readySince } : {}),
    });
    this.write(this.servers, next, this.drainsJson);
    this.services = next;
  }

  /** Drains of removed servers saved by the last run (validated by state-file.ts). */
  removedDrains(): unknown[] {
    return JSON.parse(this.drainsJson) as unknown[];
  }

  /**
   * Replaces the saved drains of removed servers (the planner's memory stays the truth while the
   * daemon runs); writes the file when they changed since the last successful write. Throws
   * DaemonError ESTATE when that write fails (retried at the next call).
   */
  setRemovedDrains(entries: readonly object[]): void {
    const json = JSON.stringify(entries);
    this.drainsJson = json;
    if (json === this.writtenDrainsJson) return;
    this.write(this.servers, this.services, json);
  }

  private write(servers: Entries, services: Entries, drainsJson: string): void {
    if (!this.file) return;
    const body = {
      version: 2,
      servers: stored(servers).map(([id, e]) => {
        const [vs, rs] = splitId(id);
        return { vs, rs, state: e.state, ...(e.weight !== undefined ? { weight: e.weight } : {}) };
      }),
      services: stored(services).map(([vs, e]) => ({ vs, state: e.state })),
      ...(drainsJson !== '[]' ? { removedDrains: JSON.parse(drainsJson) as unknown[] } : {}),
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(body) + '\n', { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        /* never written */
      }
      const err = e as NodeJS.ErrnoException;
      throw new DaemonError(
        'ESTATE',
        `cannot write the state file ${this.file} (${err.code ?? err.message}); nothing changed`,
      );
    }
    this.writtenDrainsJson = drainsJson;
  }
}

/** `m` with `key` set to `e`; a neutral entry is forgotten unless its slow start may still run. */
function put(m: Entries, key: string, e: AdminEntry): Entries {
  const next = new Map(m);
  if (isNeutral(e) && e.readySince === undefined) next.delete(key);
  else next.set(key, e);
  return next;
}

/** The entries worth writing (not neutral), sorted by key. */
function stored(m: Entries): Array<[string, AdminEntry]> {
  return [...m].filter(([, e]) => !isNeutral(e)).sort(([a], [b]) => (a < b ? -1 : 1));
}
