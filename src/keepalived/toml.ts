/**
 * Writes the imported config as TOML that reads like a hand-written lvsd file: tables in the order
 * [global], [[virtual_server]] (check, real servers), [[vrrp_instance]], [sync]; keys in docs/config.md's
 * order; keys equal to lvsd's defaults left out; a `# from FILE:LINE: ...` comment over every
 * table that came from a keepalived block, and keepalived's corrections as comments over the key.
 */
import type { Ctx, Raw } from './context.js';
import { isDefault, ORDER } from './defaults.js';
import type { LvsdConfig } from './map.js';

const BARE = /^[A-Za-z0-9_-]+$/;
/** A real server's check override with at most this many keys is written inline. */
const INLINE_KEYS = 4;

/** The TOML text of `cfg`, starting with the `header` comment lines. */
export function writeToml(cfg: LvsdConfig, ctx: Ctx, header: readonly string[]): string {
  const out: string[] = header.map((h) => `# ${h}`);
  const g = table(ctx, 'global', cfg.global, '');
  if (g.length) out.push('', ...origin(ctx, cfg.global, ''), '[global]', ...g);
  for (const vs of cfg.virtual_server) {
    out.push('', ...origin(ctx, vs, ''), '[[virtual_server]]', ...table(ctx, 'virtual_server', vs, ''));
    if (vs.check) out.push('', '  [virtual_server.check]', ...table(ctx, 'check', vs.check as Raw, '  '));
    for (const rs of (vs.real_server as Raw[] | undefined) ?? []) {
      const check = rs.check as Raw | undefined;
      const inline = check !== undefined && Object.keys(check).length <= INLINE_KEYS;
      out.push('', ...origin(ctx, rs, '  '), '  [[virtual_server.real_server]]');
      out.push(...table(ctx, 'real_server', rs, '  ', inline ? 'check' : undefined));
      if (check && !inline) out.push('  [virtual_server.real_server.check]', ...table(ctx, 'check', check, '    '));
    }
  }
  for (const v of cfg.vrrp_instance)
    out.push('', ...origin(ctx, v, ''), '[[vrrp_instance]]', ...table(ctx, 'vrrp_instance', v, ''));
  if (cfg.sync) out.push('', ...origin(ctx, cfg.sync, ''), '[sync]', ...table(ctx, 'sync', cfg.sync, ''));
  return out.join('\n') + '\n';
}

function origin(ctx: Ctx, t: object, indent: string): string[] {
  const o = ctx.origins.get(t);
  return o ? [`${indent}# from ${o.file}:${o.line}: ${oneLine(o.what)}`] : [];
}

/**
 * The `key = value` lines of one table in docs order, defaults and sub-tables left out (except
 * `inlineKey`, written as an inline table), each preceded by its comments.
 */
function table(ctx: Ctx, name: string, t: Raw, indent: string, inlineKey?: string): string[] {
  const notes = ctx.notes.get(t);
  const lines: string[] = [];
  const order = ORDER[name] ?? [];
  const has = (k: string) => k in t || notes?.has(k) === true;
  const keys = [...order.filter(has), ...Object.keys(t).filter((k) => !order.includes(k))];
  for (const k of keys) {
    for (const n of notes?.get(k) ?? []) lines.push(`${indent}# ${oneLine(n)}`);
    const v = t[k];
    if (v === undefined || isDefault(name, k, v, t)) continue;
    const sub =
      (name === 'virtual_server' && (k === 'check' || k === 'real_server')) ||
      (name === 'real_server' && k === 'check');
    if (sub && k !== inlineKey) continue;
    lines.push(`${indent}${key(k)} = ${value(v)}`);
  }
  return lines;
}

/** A TOML value: strings as basic strings, arrays and tables inline. */
export function value(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return entries.length ? `{ ${entries.map(([k, x]) => `${key(k)} = ${value(x)}`).join(', ')} }` : '{}';
  }
  throw new Error(`cannot write ${String(v)} as TOML`);
}

function key(k: string): string {
  return BARE.test(k) ? k : JSON.stringify(k);
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '?');
}
