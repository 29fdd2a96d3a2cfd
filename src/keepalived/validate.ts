/**
 * The last step of an import: the written TOML goes through lvsd's own loader and validator
 * (parseConfig, what `lvsd --check` runs). The mappers already leave out what lvsd would refuse;
 * should anything still be refused (a rule that spans tables, such as two virtual servers with the
 * same service, a [sync] following a priority-255 instance), the key or table at fault is left out with a finding naming its keepalived
 * file:line and lvsd's message, and the file is checked again, so the output always passes --check.
 */
import { parseConfig } from '../config/load.js';
import type { ConfigProblem } from '../config/types.js';
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

/** [sync] keys that can go alone; a problem with any other key (or an instance it follows) removes the table. */
const SYNC_OPTIONAL = new Set(['sync_id', 'maxlen', 'group', 'port', 'ttl']);

/** What to leave out for one problem. */
type Fix =
  | { table: Raw; key: string; check?: boolean }
  | { list: Raw[]; table: Raw; parent?: { list: Raw[]; table: Raw } }
  | { sync: Raw };

/** Writes `cfg` and repairs it until lvsd's validator accepts the text; returns the text. */
export function writeValid(cfg: LvsdConfig, ctx: Ctx, header: readonly string[]): string {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const text = writeToml(cfg, ctx, header);
    const r = parseConfig(text, 'imported config');
    if (r.ok) return text;
    const fixes = r.problems.map((p) => [p, locate(cfg, p)] as const);
    if (fixes.some(([, f]) => f === undefined)) break;
    for (const [p, f] of fixes) apply(ctx, cfg, f!, p);
  }
  keepWhatValidates(cfg, ctx);
  const text = writeToml(cfg, ctx, header);
  const r = parseConfig(text, 'imported config');
  if (!r.ok)
    throw new Error(`internal error: the imported config does not pass --check: ${JSON.stringify(r.problems)}`);
  return text;
}

/** The fix for one problem, found before anything is removed (indexes stay valid); undefined if its path cannot be followed. */
function locate(cfg: LvsdConfig, p: ConfigProblem): Fix | undefined {
  const sync = /^sync(?:\.([a-z_]+))?/.exec(p.path);
  if (sync) {
    if (!cfg.sync) return undefined;
    const key = sync[1];
    return key && SYNC_OPTIONAL.has(key) && key in cfg.sync ? { table: cfg.sync, key } : { sync: cfg.sync };
  }
  const m = /^(global|virtual_server|vrrp_instance)(?:\[(\d+)\](?: \((?:[^()]|\([^()]*\))*\))?)?\.?(.*)$/.exec(p.path);
  if (!m) return undefined;
  const [, top, idx, rest] = m;
  if (top === 'global') {
    const key = rest!.split('.')[0]!;
    return key in cfg.global ? { table: cfg.global, key } : undefined;
  }
  const list = top === 'virtual_server' ? cfg.virtual_server : cfg.vrrp_instance;
  const t = idx === undefined ? undefined : list[Number(idx)];
  if (!t) return undefined;
  const rs = /^real_server\[(\d+)\]/.exec(rest!);
  if (rs) {
    const servers = (t.real_server as Raw[] | undefined) ?? [];
    const r = servers[Number(rs[1])];
    return r ? { list: servers, table: r, parent: { list, table: t } } : undefined;
  }
  const [k, k2] = rest!.split('.');
  if (k === 'check' && k2 && k2 !== 'type' && t.check && k2 in (t.check as Raw))
    return { table: t, key: k2, check: true };
  if (k && !ESSENTIAL.has(k) && k in t) return { table: t, key: k };
  return { list, table: t };
}

function apply(ctx: Ctx, cfg: LvsdConfig, f: Fix, p: ConfigProblem): void {
  if ('sync' in f) {
    if (cfg.sync !== f.sync) return;
    cfg.sync = undefined;
    ctx.warn(
      where(ctx, f.sync),
      ctx.origins.get(f.sync)?.what.split(' ')[0] ?? 'sync',
      `${rejected(p)}; no [sync] is written`,
    );
    return;
  }
  if ('key' in f) {
    const table = f.check ? (f.table.check as Raw) : f.table;
    if (!(f.key in table)) return;
    delete table[f.key];
    ctx.warn(where(ctx, f.table), f.check ? `check.${f.key}` : f.key, rejected(p));
    return;
  }
  drop(ctx, f.list, f.table, p);
  if (f.parent && f.list.length === 0) drop(ctx, f.parent.list, f.parent.table, p);
}

/** Fallback: adds the tables back one by one and keeps those with which the whole config still validates. */
function keepWhatValidates(cfg: LvsdConfig, ctx: Ctx): void {
  const trial: LvsdConfig = { global: {}, virtual_server: [], vrrp_instance: [] };
  const ok = () => parseConfig(writeToml(trial, ctx, []), 'imported config');
  for (const k of Object.keys(cfg.global)) {
    trial.global[k] = cfg.global[k];
    const r = ok();
    if (!r.ok) {
      delete trial.global[k];
      ctx.warn(where(ctx, cfg.global), k, rejected(r.problems[0]!));
    }
  }
  for (const name of ['virtual_server', 'vrrp_instance'] as const)
    for (const t of cfg[name]) {
      trial[name].push(t);
      const r = ok();
      if (!r.ok) {
        trial[name].pop();
        ctx.warn(
          where(ctx, t),
          ctx.origins.get(t)?.what.split(' ')[0] ?? name,
          `${rejected(r.problems[0]!)}; the whole block is left out`,
        );
      }
    }
  if (cfg.sync) {
    trial.sync = cfg.sync;
    const r = ok();
    if (!r.ok) {
      trial.sync = undefined;
      ctx.warn(
        where(ctx, cfg.sync),
        ctx.origins.get(cfg.sync)?.what.split(' ')[0] ?? 'sync',
        `${rejected(r.problems[0]!)}; no [sync] is written`,
      );
    }
  }
  cfg.sync = trial.sync;
  cfg.global = trial.global;
  cfg.virtual_server = trial.virtual_server;
  cfg.vrrp_instance = trial.vrrp_instance;
}

function drop(ctx: Ctx, list: Raw[], t: Raw, p: ConfigProblem): void {
  const i = list.indexOf(t);
  if (i < 0) return;
  list.splice(i, 1);
  ctx.warn(
    where(ctx, t),
    ctx.origins.get(t)?.what.split(' ')[0] ?? 'table',
    `${rejected(p)}; the whole block is left out`,
  );
}

function where(ctx: Ctx, t: Raw): { file: string; line: number } {
  const o = ctx.origins.get(t);
  return o ? { file: o.file, line: o.line } : { file: '(import)', line: 0 };
}

function rejected(p: ConfigProblem): string {
  return `lvsd --check refuses it (${p.path ? `${p.path}: ` : ''}${p.message}); left out`;
}
