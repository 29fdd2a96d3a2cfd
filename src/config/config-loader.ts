/**
 * Loads the config file again and again (start, then every reload), re-parsing and re-validating only
 * what changed since the last good load: the same text gives the same config at once, and when only
 * `[[virtual_server]]` sections changed (the rest of the file is the same text), only those sections
 * are parsed and validated, each on its own through the same `configSchema`; an unchanged section
 * keeps its validated object. Rules that span sections are checked across the new list: names and
 * services unique, every `track_virtual_server` naming a virtual server. Anything else — the rest of
 * the file changed, a section that does not validate alone, text sections.ts will not cut — goes
 * through `parseConfig`, the readable reference path, which also reports every problem.
 * test/unit/config/config-loader.test.ts holds the two to the same result on generated edits.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { isTable } from './fields.js';
import { fileError, parseConfig, type LoadResult } from './load.js';
import { splitSections, type Sections } from './sections.js';
import type { Config, VirtualServerConfig } from './types.js';
import { configSchema } from './validate.js';

/** The last good load: its text, its config, and (cut on demand) its sections. */
interface Last {
  text: string;
  config: Config;
  cut?: { sections: Sections; byText: Map<string, VirtualServerConfig> } | null;
}

/** A config source that remembers its last good load. */
export class ConfigLoader {
  /** How loads were answered: the same text, changed sections only, the whole file. */
  readonly counts = { same: 0, sections: 0, whole: 0 };
  private last?: Last;

  /** Reads and loads a file (as `loadConfigFile`, never throws). */
  async loadFile(path: string): Promise<LoadResult> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      return { ok: false, problems: [{ path: '', message: fileError(path, e as NodeJS.ErrnoException) }] };
    }
    return this.load(text, path);
  }

  /** Loads config text: the same result as `parseConfig(text, source)`, computed from the last good load when it can be. */
  load(text: string, source: string): LoadResult {
    const last = this.last;
    if (last && text === last.text) return (this.counts.same++, { ok: true, config: last.config, text });
    const sections = last ? splitSections(text) : undefined;
    let r = last && sections && this.incremental(last, sections, text);
    if (r) this.counts.sections++;
    else ((r = parseConfig(text, source)), this.counts.whole++);
    if (r.ok) this.last = { text, config: r.config, cut: sections && cutOf(sections, r.config) };
    return r;
  }

  /** The config from the last load's for the same rest of file; undefined when the reference path must decide. */
  private incremental(last: Last, next: Sections, text: string): LoadResult | undefined {
    if (last.cut === undefined) last.cut = cutOf(splitSections(last.text), last.config);
    const cut = last.cut;
    if (!cut || cut.sections.rest !== next.rest) return undefined;
    const list: VirtualServerConfig[] = [];
    for (const section of next.virtualServers) {
      const vs = cut.byText.get(section) ?? validateSection(section);
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
    return { ok: true, config: { ...last.config, virtual_server: list }, text };
  }
}

/** The sections of a loaded file matched to its virtual servers (null when they do not line up). */
function cutOf(sections: Sections | undefined, config: Config): Last['cut'] {
  if (!sections || sections.virtualServers.length !== config.virtual_server.length) return null;
  const byText = new Map<string, VirtualServerConfig>();
  sections.virtualServers.forEach((s, i) => byText.set(s, config.virtual_server[i]!));
  return { sections, byText };
}

/** One `[[virtual_server]]` section validated alone, or undefined if it is anything but one valid virtual server. */
function validateSection(section: string): VirtualServerConfig | undefined {
  let raw: unknown;
  try {
    raw = parseToml(section);
  } catch {
    return undefined;
  }
  if (!isTable(raw) || Object.keys(raw).length !== 1 || !Array.isArray(raw.virtual_server)) return undefined;
  if (raw.virtual_server.length !== 1) return undefined;
  try {
    const r = configSchema.safeParse(raw);
    return r.success && r.data.virtual_server.length === 1 ? r.data.virtual_server[0] : undefined;
  } catch {
    return undefined;
  }
}
