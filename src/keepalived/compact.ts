/**
 * keepalived configures checks per real server; lvsd has a virtual-server check that real servers
 * override key by key. `compactChecks` turns the complete check of each real server into the
 * shortest equivalent: keys equal to lvsd's defaults dropped, the keys every server shares moved
 * to the virtual server, only the differences left on each real server. Merging them back the way
 * lvsd does (mergeCheck: same type → override key by key) gives every server its complete check.
 */
import { isDefault } from './defaults.js';
import type { Raw } from './context.js';

/** The virtual server's check and each real server's override (undefined: none needed). */
export interface Compacted {
  base?: Raw;
  overrides: Array<Raw | undefined>;
}

/** Compacts the checks of one virtual server's real servers (undefined: that server has no check). */
export function compactChecks(checks: ReadonlyArray<Raw | undefined>): Compacted {
  const minimal = checks.map((c) => (c ? withoutDefaults(c) : undefined));
  const type = minimal[0]?.type;
  const shareable = minimal.length > 0 && minimal.every((c) => c !== undefined && c.type === type);
  if (!shareable) return { overrides: minimal };
  const all = minimal as Raw[];
  const base: Raw = {};
  for (const [k, v] of Object.entries(all[0]!)) {
    const text = JSON.stringify(v);
    if (all.every((c) => k in c && JSON.stringify(c[k]) === text)) base[k] = v;
  }
  const overrides = all.map((c) => {
    const o = Object.fromEntries(Object.entries(c).filter(([k]) => !(k in base)));
    return Object.keys(o).length > 0 ? o : undefined;
  });
  return { base, overrides };
}

/** A check without the keys that equal lvsd's defaults (type always kept). */
export function withoutDefaults(c: Raw): Raw {
  return Object.fromEntries(Object.entries(c).filter(([k, v]) => k === 'type' || !isDefault('check', k, v, c)));
}
