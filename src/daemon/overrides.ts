/**
 * Runtime overrides set by `lvsctl drain/enable`, keyed by virtual-server NAME and real-server
 * "addr:port" (so they survive reloads that keep those names), persisted in a small JSON state file
 * (global.state_file) so they survive restarts:
 *   {"version":1,"drained":[{"vs":"web","rs":"10.0.0.2:8080"}],"removedDrains":[...planner data...]}
 * (removedDrains: servers removed by a reload and still draining, so a restart keeps draining them).
 * Writes are atomic (temp file + rename). A missing file is an empty set; a corrupt one is reported
 * (the daemon logs it and starts with no overrides rather than refusing to start).
 */
import type { AdminLookup } from '../plan/admin.js';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { serverId } from '../plan/desired.js';

/** The drained set with its persistence. */
export class Overrides {
  private readonly drained = new Set<string>();
  private drainsJson = '[]';

  constructor(private readonly file?: string) {}

  /** Loads the state file; returns a problem text if it was unreadable or corrupt, else undefined. */
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
    try {
      const o = JSON.parse(text) as { version?: unknown; drained?: unknown; removedDrains?: unknown };
      if (o.version !== 1 || !Array.isArray(o.drained)) throw new Error('expected {"version":1,"drained":[...]}');
      if (Array.isArray(o.removedDrains)) this.drainsJson = JSON.stringify(o.removedDrains);
      for (const d of o.drained as Array<{ vs?: unknown; rs?: unknown }>) {
        if (typeof d?.vs === 'string' && typeof d.rs === 'string') this.drained.add(serverId(d.vs, d.rs));
      }
      return undefined;
    } catch (e) {
      return `state file ${this.file} is corrupt (${(e as Error).message}); starting with no overrides`;
    }
  }

  /** Marks a pair drained and persists; returns false if it already was. */
  drain(vs: string, rs: string): boolean {
    const k = serverId(vs, rs);
    if (this.drained.has(k)) return false;
    this.drained.add(k);
    this.save();
    return true;
  }

  /** Removes the drain override and persists; returns false if there was none. */
  enable(vs: string, rs: string): boolean {
    if (!this.drained.delete(serverId(vs, rs))) return false;
    this.save();
    return true;
  }

  /** Whether the pair is drained by an operator. */
  isDrained(vs: string, rs: string): boolean {
    return this.drained.has(serverId(vs, rs));
  }

  /** The overrides as the planner reads them (a drained pair is in state drain). */
  admin(): AdminLookup {
    return { server: (id) => (this.drained.has(id) ? { state: 'drain' } : undefined), service: () => undefined };
  }

  /** The drained keys ("vs|rs"). */
  keys(): ReadonlySet<string> {
    return this.drained;
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
    const drained = [...this.drained].sort().map((k) => {
      const i = k.indexOf('|');
      return { vs: k.slice(0, i), rs: k.slice(i + 1) };
    });
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const removedDrains = JSON.parse(this.drainsJson) as unknown[];
    writeFileSync(
      tmp,
      JSON.stringify(removedDrains.length ? { version: 1, drained, removedDrains } : { version: 1, drained }) + '\n',
      { mode: 0o600 },
    );
    renameSync(tmp, this.file);
  }
}
