/**
 * The last step of an import: the written TOML goes through lvsd's own loader and validator
 * (parseConfig, what `lvsd --check` runs). The mappers already leave out what lvsd would refuse;
 * should anything still be refused (a rule that spans tables, such as two virtual servers with the
 * same service), the table at fault is left out with a finding naming its keepalived file:line and
 * lvsd's message, and the file is checked again, so the output always passes --check.
 */
import { parseConfig, type ConfigProblem } from '../config/load.js';
import type { Ctx, Raw } from './context.js';
import type { LvsdConfig } from './map.js';
import { writeToml } from './toml.js';

/** Keys a table cannot do without: a problem there removes the whole table. */
const ESSENTIAL = new Set([
  'name',
  'address',
  'port',
  'fwmark',
  'family',
  'protocol',
  'interface',
  'virtual_router_id',
  'virtual_ipaddress',
  'type',
]);
const MAX_ROUNDS = 8;

/** Writes `cfg` and repairs it until lvsd's validator accepts the text; returns the text. */
export function writeValid(cfg: LvsdConfig, ctx: Ctx, header: readonly string[]): string {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const text = writeToml(cfg, ctx, header);
    const r = parseConfig(text, 'imported config');
    if (r.ok) return text;
    if (!r.problems.every((p) => repair(cfg, ctx, p))) break;
  }
  // Nothing left to blame precisely: keep only what validates on its own.
  for (const list of [cfg.virtual_server, cfg.vrrp_instance])
    for (let i = list.length - 1; i >= 0; i--) {
      const alone: LvsdConfig = { global: {}, virtual_server: [], vrrp_instance: [] };
      (list === cfg.virtual_server ? alone.virtual_server : alone.vrrp_instance).push(list[i]!);
      const r = parseConfig(writeToml(alone, ctx, []), 'imported config');
      if (!r.ok) drop(ctx, list, list[i]!, r.problems[0]!);
    }
  for (const k of Object.keys(cfg.global))
    if (!parseConfig(writeToml({ ...empty(), global: { [k]: cfg.global[k] } }, ctx, []), '').ok) delete cfg.global[k];
  const text = writeToml(cfg, ctx, header);
  if (!parseConfig(text, 'imported config').ok)
    throw new Error('internal error: the imported config does not pass --check');
  return text;
}

function empty(): LvsdConfig {
  return { global: {}, virtual_server: [], vrrp_instance: [] };
}

/** Leaves out what one problem names; false when its path cannot be followed. */
function repair(cfg: LvsdConfig, ctx: Ctx, p: ConfigProblem): boolean {
  const m = /^(global|virtual_server|vrrp_instance)(?:\[(\d+)\](?: \((?:[^()]|\([^()]*\))*\))?)?\.?(.*)$/.exec(p.path);
  if (!m) return false;
  const [, top, idx, rest] = m;
  if (top === 'global') {
    const k = rest!.split('.')[0]!;
    if (!(k in cfg.global)) return false;
    ctx.warn(ctx.origins.get(cfg.global) ?? { file: '(global)', line: 0 }, `global.${k}`, rejected(p));
    delete cfg.global[k];
    return true;
  }
  const list = top === 'virtual_server' ? cfg.virtual_server : cfg.vrrp_instance;
  const t = idx === undefined ? undefined : list[Number(idx)];
  if (!t) return false;
  const rs = /^real_server\[(\d+)\]/.exec(rest!);
  if (rs) {
    const servers = t.real_server as Raw[];
    const r = servers[Number(rs[1])];
    if (!r) return false;
    drop(ctx, servers, r, p);
    if (servers.length === 0) drop(ctx, list, t, p);
    return true;
  }
  const [k, k2] = rest!.split('.');
  if (k === 'check' && k2 && k2 !== 'type' && t.check) {
    delete (t.check as Raw)[k2];
    ctx.warn(ctx.origins.get(t)!, `check.${k2}`, rejected(p));
    return true;
  }
  if (k && !ESSENTIAL.has(k) && k in t) {
    delete t[k];
    ctx.warn(ctx.origins.get(t)!, k, rejected(p));
    return true;
  }
  drop(ctx, list, t, p);
  return true;
}

function drop(ctx: Ctx, list: Raw[], t: Raw, p: ConfigProblem): void {
  const i = list.indexOf(t);
  if (i < 0) return;
  list.splice(i, 1);
  const o = ctx.origins.get(t);
  ctx.warn(
    o ?? { file: '(unknown)', line: 0 },
    o?.what.split(' ')[0] ?? 'table',
    `${rejected(p)}; the whole block is left out`,
  );
}

function rejected(p: ConfigProblem): string {
  return `lvsd --check refuses it (${p.path ? `${p.path}: ` : ''}${p.message}); left out`;
}
