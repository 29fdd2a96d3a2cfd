/**
 * Runtime overrides set by `lvsctl drain/enable`, keyed by virtual-server NAME and real-server
 * "addr:port" (so they survive reloads that keep those names), persisted in a small JSON state file
 * (global.state_file, format in state-file.ts) so they survive restarts.
 * - A change is written first and takes effect only once written (temp file + rename): if the
 *   write fails, nothing changes, no temp file is left, and the caller gets DaemonError('ESTATE').
 * - A file that cannot be used at start (corrupt, a wrong field, not a regular file, too large) is
 *   moved aside to `<file>.bad-<time>`, named in the problem `load()` returns and in `lostAtStart`
 *   (lvsctl status shows it: the operator's drains from before are not in effect), and the daemon
 *   starts with no overrides rather than refusing to start.
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { serverId } from '../plan/desired.js';
import { readRegularFileSync } from '../util/regular-file.js';
import { DaemonError } from './errors.js';
import { parseStateFile } from './state-file.js';

/** Largest state file read (10,000 drained servers take about 500 KB). */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** The drained set with its persistence. */
export class Overrides {
  private drained = new Set<string>();
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
    for (const d of r.state.drained) this.drained.add(serverId(d.vs, d.rs));
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
    this.lostAtStart = `${problem}; ${where}; started with no overrides: drains set with lvsctl before are not in effect`;
    return this.lostAtStart;
  }

  /** Marks a pair drained once that is written; false if it already was. Throws DaemonError ESTATE. */
  drain(vs: string, rs: string): boolean {
    const k = serverId(vs, rs);
    if (this.drained.has(k)) return false;
    const next = new Set(this.drained).add(k);
    this.write(next, this.drainsJson);
    this.drained = next;
    return true;
  }

  /** Removes the drain override once that is written; false if there was none. Throws DaemonError ESTATE. */
  enable(vs: string, rs: string): boolean {
    const k = serverId(vs, rs);
    if (!this.drained.has(k)) return false;
    const next = new Set(this.drained);
    next.delete(k);
    this.write(next, this.drainsJson);
    this.drained = next;
    return true;
  }

  /** Whether the pair is drained by an operator. */
  isDrained(vs: string, rs: string): boolean {
    return this.drained.has(serverId(vs, rs));
  }

  /** The drained keys ("vs|rs"). */
  keys(): ReadonlySet<string> {
    return this.drained;
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
    this.write(this.drained, json);
    this.writtenDrainsJson = json;
  }

  private write(drainedSet: ReadonlySet<string>, drainsJson: string): void {
    if (!this.file) return;
    const drained = [...drainedSet].sort().map((k) => {
      const i = k.indexOf('|');
      return { vs: k.slice(0, i), rs: k.slice(i + 1) };
    });
    const removedDrains = JSON.parse(drainsJson) as unknown[];
    const body = removedDrains.length ? { version: 1, drained, removedDrains } : { version: 1, drained };
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
  }
}
