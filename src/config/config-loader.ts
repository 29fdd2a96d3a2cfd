/**
 * Loads the config file again and again (start, then every reload), re-parsing and re-validating only
 * what changed since the last good load: the same bytes give the same config object at once, and when
 * only `[[virtual_server]]` sections changed (the rest of the file is the same bytes), only those
 * sections are decoded, parsed and validated, each on its own through the same `configSchema`; an
 * unchanged section keeps its validated object. Rules that span sections are checked across the new
 * list: names and services unique, every `track_virtual_server` naming a virtual server, every
 * announced VIP the address of a virtual server. Anything
 * else — the rest of the file changed, a section that does not validate alone, bytes sections.ts
 * will not cut — goes through `parseConfig`, the readable reference path, which also reports every
 * problem. test/unit/config/config-loader.test.ts holds the two to the same result on generated edits.
 *
 * The file is read into one buffer, kept and reused by every later load, and an unchanged file is
 * never decoded: a reload of keepalived #2318's 3.5 MB file otherwise touched ~1,800 fresh memory
 * pages for the file and its string, each a page fault that costs 0.2-0.35 ms inside user-mode Linux.
 * So the last good load is remembered by digests (SHA-256 of the file, of each section), not by its
 * bytes: a second buffer to hold them cost 4.4 MB of memory and, on the first reload, ~900 faults.
 */
import { createHash, hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parse as parseToml } from 'smol-toml';
import { assertRegularFile, REGULAR_FILE_FLAGS, tooLarge } from '../util/regular-file.js';
import { isTable } from './fields.js';
import { ownStrings } from './own-strings.js';
import { fileError, MAX_CONFIG_BYTES, parseConfig, validateParsed } from './load.js';
import { splitSections, type Sections, type Span } from './sections.js';
import type { Config, ConfigProblem, VirtualServerConfig } from './types.js';
import { configSchema } from './validate.js';

/** A loaded config, or every problem. */
export type Loaded = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** A file's sections by digest, matched to the virtual servers they gave, and the bytes around them. */
interface Cut {
  /** SHA-256 (base64) of each `[[virtual_server]]` section's bytes, in file order. */
  hashes: string[];
  /** Section indexes by digest (built when a section is not found at its old position). */
  byHash?: Map<string, number[]>;
  /** The bytes outside the sections (a copy: the read buffer is reused). */
  rest: Buffer;
}

/** The last good load: the file's digest, its config, and its cut (null: sections.ts will not cut it). */
interface Last {
  /** SHA-256 (hex) of the file's bytes. */
  digest: string;
  config: Config;
  cut: Cut | null;
}

/**
 * What a staged load hands over while it reads: the validated `[global]` table, a batch of virtual
 * servers each validated on its own, and how many virtual-server sections the file has in all.
 */
export interface StagedPart {
  global: Config['global'];
  virtualServers: VirtualServerConfig[];
  sections: number;
}

/**
 * What onPart answers: false when it wants no more parts (the rest is then only parsed; false to the
 * first part: the file is loaded as loadFile does).
 */
export type PartAnswer = boolean | void | Promise<boolean | void>;

/** How a staged load cuts its work. */
export interface StageOptions {
  /** Fewest virtual-server sections for a staged load (fewer: loadFile). */
  minSections: number;
  /** Sections parsed and validated per batch. */
  batch: number;
  /**
   * Longest run of batches between two event-loop turns, in ms (0: one batch per turn). The probes
   * of the parts already handed over run in those turns; longer runs give the rest of the file more
   * of a machine those probes keep busy.
   */
  sliceMs: number;
}

/** A config source that remembers its last good load. */
export class ConfigLoader {
  /** How loads were answered: the same bytes, changed sections only, the whole file. */
  readonly counts = { same: 0, sections: 0, whole: 0, staged: 0 };
  private last?: Last;
  /** The read buffer, reused by every load (grown for a bigger file). */
  private buffer: Buffer = Buffer.alloc(0);
  /** The load in progress; the next one starts when it has finished. */
  private loading: Promise<unknown> = Promise.resolve();

  /**
   * Reads and loads a file; never throws. Missing, unreadable, not a regular file or larger than
   * MAX_CONFIG_BYTES: a problem, as `loadConfigFile` says it (util/regular-file.ts).
   */
  loadFile(path: string): Promise<Loaded> {
    // one load at a time: they share the read buffer (SIGHUP and lvsctl reload may come together)
    const run = this.loading.then(() => this.loadFileNow(path));
    this.loading = run.catch(() => undefined);
    return run;
  }

  private async loadFileNow(path: string): Promise<Loaded> {
    let bytes: Buffer;
    try {
      bytes = await this.read(path);
    } catch (e) {
      return { ok: false, problems: [{ path: '', message: fileError(path, e as NodeJS.ErrnoException) }] };
    }
    return this.loadBytes(bytes, path);
  }

  /**
   * loadFile for a first load of a large file, in batches with event-loop turns between them,
   * handing each batch of virtual servers to `onPart` (awaited; false: no more) as soon as it is
   * parsed and validated on its own, so a daemon can start probing those real servers while the
   * rest of the file is read. The result
   * is loadFile's: the whole file is then validated at once (every rule that spans sections), and a
   * file that does not validate is answered by the whole-file parse (the same problems, in the same
   * order). A batch that does not validate alone is not handed over. A later load, a file with fewer
   * than `minSections` sections, or one sections.ts will not cut: loadFile itself, no part handed over.
   * test/unit/config/config-loader.test.ts holds it to parseConfig on generated files.
   */
  loadFileStaged(path: string, onPart: (part: StagedPart) => PartAnswer, opts: StageOptions): Promise<Loaded> {
    const run = this.loading.then(() => this.loadFileStagedNow(path, onPart, opts));
    this.loading = run.catch(() => undefined);
    return run;
  }

  private async loadFileStagedNow(
    path: string,
    onPart: (part: StagedPart) => PartAnswer,
    opts: StageOptions,
  ): Promise<Loaded> {
    let bytes: Buffer;
    try {
      bytes = await this.read(path);
    } catch (e) {
      return { ok: false, problems: [{ path: '', message: fileError(path, e as NodeJS.ErrnoException) }] };
    }
    const staged = this.last ? undefined : await stagedConfig(bytes, path, onPart, opts);
    if (!staged) return this.loadBytes(bytes, path);
    this.counts.staged++;
    this.last = { digest: fileDigest(bytes), config: staged.config, cut: staged.cut.cut };
    return { ok: true, config: staged.config };
  }

  /** SHA-256 (hex) of the last good load's bytes; undefined before one. */
  digest(): string | undefined {
    return this.last?.digest;
  }

  /** Loads config text: the same result as `parseConfig(text, source)` (without the text). */
  load(text: string, source: string): Loaded {
    return this.loadBytes(Buffer.from(text), source);
  }

  /**
   * The file's bytes, in the read buffer (grown when the file is bigger, not zero-filled: only the
   * pages a file was read into are touched); never more than MAX_CONFIG_BYTES + 1 read.
   */
  private async read(path: string): Promise<Buffer> {
    const f = await open(path, REGULAR_FILE_FLAGS);
    const limit = MAX_CONFIG_BYTES + 1;
    try {
      for (;;) {
        const st = await f.stat();
        assertRegularFile(st);
        const want = Math.min(st.size, MAX_CONFIG_BYTES) + 1;
        if (this.buffer.length < want) this.buffer = Buffer.allocUnsafe(Math.min(Math.ceil(want * 1.25), limit));
        const room = Math.min(this.buffer.length, limit);
        let n = 0;
        for (let r = 1; r > 0 && n < room; n += r) r = (await f.read(this.buffer, n, room - n, n)).bytesRead;
        if (n > MAX_CONFIG_BYTES) throw tooLarge(MAX_CONFIG_BYTES);
        if (n < room) return this.buffer.subarray(0, n);
        // the file grew while being read: read it again with more room
        this.buffer = Buffer.allocUnsafe(Math.min(this.buffer.length * 2, limit));
      }
    } finally {
      await f.close();
    }
  }

  /** Loads bytes (the read buffer's, which the next load overwrites: nothing made here keeps them). */
  private loadBytes(bytes: Buffer, source: string): Loaded {
    const last = this.last;
    const digest = fileDigest(bytes);
    if (last && digest === last.digest) return (this.counts.same++, { ok: true, config: last.config });
    // cut now, while the bytes are here (for a file sections.ts cuts, the next reload compares against it)
    const next = cutOf(bytes);
    let r: Loaded | undefined;
    const inc = last && next && this.incremental(last, bytes, next);
    if (inc) ((r = inc), this.counts.sections++);
    else {
      this.counts.whole++;
      const p = parseConfig(bytes.toString('utf8'), source);
      r = p.ok ? { ok: true, config: p.config } : p;
    }
    if (r.ok) {
      const lined = next && next.sections.virtualServers.length === r.config.virtual_server.length;
      this.last = { digest, config: r.config, cut: lined ? next.cut : null };
    }
    return r;
  }

  /** The config from the last load's, for the same rest of file, with this file's cut; undefined when the reference path must decide. */
  private incremental(last: Last, bytes: Buffer, next: SpannedCut): Loaded | undefined {
    const old = last.cut;
    if (!old || !next.cut.rest.equals(old.rest)) return undefined;
    const list: VirtualServerConfig[] = [];
    const spans = next.sections.virtualServers;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      const j = find(old, next.cut.hashes[i]!, i);
      const vs = j === undefined ? validateSection(bytes, span) : last.config.virtual_server[j];
      if (!vs) return undefined;
      list.push(vs);
    }
    const names = new Set<string>();
    const keys = new Set<string>();
    for (const vs of list) {
      if (names.has(vs.name) || keys.has(vs.key)) return undefined;
      names.add(vs.name);
      keys.add(vs.key);
    }
    for (const vi of last.config.vrrp_instance)
      for (const t of vi.track_virtual_server) if (!names.has(t.name)) return undefined;
    const vips = last.config.announce?.vips;
    if (vips) {
      const served = new Set(list.map((vs) => vs.id.address));
      if (!vips.every((vip) => served.has(vip))) return undefined;
    }
    return { ok: true, config: { ...last.config, virtual_server: list } };
  }
}

/** SHA-256 (hex) of a file's bytes. */
function fileDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The config of `bytes` read in batches of sections (see loadFileStaged), or undefined when the
 * whole-file path must answer: not cut, too few sections, a piece that does not parse as its kind,
 * or a file that does not validate (the reference reports its problems).
 */
async function stagedConfig(
  bytes: Buffer,
  source: string,
  onPart: (part: StagedPart) => PartAnswer,
  opts: StageOptions,
): Promise<{ config: Config; cut: SpannedCut } | undefined> {
  const sections = splitSections(bytes);
  if (!sections || sections.virtualServers.length < Math.max(1, opts.minSections)) return undefined;
  const rest = parsePiece(bytes, sections.rest);
  if (!rest || 'virtual_server' in rest) return undefined;
  const g = configSchema.safeParse(rest.global === undefined ? {} : { global: rest.global });
  const global = g.success ? g.data.global : undefined; // no parts without a valid [global]
  const spans = sections.virtualServers;
  const raws: unknown[] = [];
  let sliceStart = performance.now();
  let handed = 0;
  let wanted = true;
  for (let i = 0; i < spans.length; i += opts.batch) {
    const batch = spans.slice(i, i + opts.batch);
    const raw = parsePiece(bytes, batch);
    const list = raw?.virtual_server;
    if (!raw || Object.keys(raw).length !== 1 || !Array.isArray(list) || list.length !== batch.length) return undefined;
    for (const vs of list) raws.push(vs);
    let first = false;
    if (global && wanted) {
      const v = safeValidate({ virtual_server: list });
      first = v !== undefined && handed++ === 0;
      if (v) wanted = (await onPart({ global, virtualServers: v.virtual_server, sections: spans.length })) !== false;
      // declined at once: the whole-file path, as loadFile (the batches would only cost memory)
      if (!wanted && handed === 1) return undefined;
    }
    // the first part's probes go out at once (a timer turn: the probe timers armed before it run
    // first), then a turn every sliceMs
    if (first) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    else if (performance.now() - sliceStart >= opts.sliceMs)
      await new Promise<void>((resolve) => setImmediate(resolve));
    else continue;
    sliceStart = performance.now();
  }
  const r = validateParsed({ ...rest, virtual_server: raws }, source);
  return r.ok ? { config: r.config, cut: cutFrom(bytes, sections) } : undefined;
}

/** The TOML of the byte spans joined, parsed (own strings), or undefined if it is not a table or does not parse. */
function parsePiece(bytes: Buffer, spans: readonly Span[]): Record<string, unknown> | undefined {
  try {
    const raw: unknown = ownStrings(
      parseToml(Buffer.concat(spans.map(([s, e]) => bytes.subarray(s, e))).toString('utf8')),
    );
    return isTable(raw) ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** configSchema's result for `raw`, or undefined when it does not validate (or a validator throws). */
function safeValidate(raw: unknown): Config | undefined {
  try {
    const r = configSchema.safeParse(raw);
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Index of the old section with digest `hash` (its old position `at` first), if any. */
function find(old: Cut, hash: string, at: number): number | undefined {
  if (old.hashes[at] === hash) return at;
  if (!old.byHash) {
    old.byHash = new Map();
    old.hashes.forEach((h, j) => {
      const list = old.byHash!.get(h);
      if (list) list.push(j);
      else old.byHash!.set(h, [j]);
    });
  }
  return old.byHash.get(hash)?.[0];
}

/** A cut with the spans of the bytes it was cut from (for reading those bytes' sections). */
interface SpannedCut {
  sections: Sections;
  cut: Cut;
}

/** The cut of a file's bytes, or null when sections.ts will not cut them. */
function cutOf(bytes: Buffer): SpannedCut | null {
  const sections = splitSections(bytes);
  return sections ? cutFrom(bytes, sections) : null;
}

/** The cut of `bytes` into `sections`: a SHA-256 per section, and the rest's bytes. */
function cutFrom(bytes: Buffer, sections: Sections): SpannedCut {
  return {
    sections,
    cut: {
      hashes: sections.virtualServers.map(([s, e]) => hash('sha256', bytes.subarray(s, e), 'base64')),
      rest: Buffer.concat(sections.rest.map(([s, e]) => bytes.subarray(s, e))),
    },
  };
}

/** One `[[virtual_server]]` section validated alone, or undefined if it is anything but one valid virtual server. */
function validateSection(bytes: Buffer, span: Span): VirtualServerConfig | undefined {
  const raw = parsePiece(bytes, [span]);
  if (!raw || Object.keys(raw).length !== 1 || !Array.isArray(raw.virtual_server)) return undefined;
  if (raw.virtual_server.length !== 1) return undefined;
  const config = safeValidate(raw);
  return config?.virtual_server.length === 1 ? config.virtual_server[0] : undefined;
}
