/**
 * keepalived's forwarding lines (`lb_kind`, `lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N]
 * [nocsum|csum|remcsum]`) with its own checks: gue needs a port and the others take none, ipip
 * takes no checksum option, gre no remcsum. A line that fails them is ignored, as keepalived does.
 */
import type { Ctx } from './context.js';
import type { KaNode } from './tree.js';

/** Forwarding as keepalived's lvs_method writes it. */
export interface Forwarding {
  method: 'nat' | 'dr' | 'tun';
  tunType?: 'ipip' | 'gue' | 'gre';
  tunPort?: number;
  tunFlags?: 'nocsum' | 'csum' | 'remcsum';
}

/** `lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`; undefined after a finding. */
export function forwarding(ctx: Ctx, n: KaNode, prev?: Forwarding): Forwarding | undefined {
  const kw = n.words[0]!;
  const m = { NAT: 'nat', DR: 'dr', TUN: 'tun' }[n.words[1] ?? ''] as Forwarding['method'] | undefined;
  if (!m) {
    ctx.warn(n, kw, `unknown forwarding method "${n.words[1] ?? ''}"; keepalived ignores it`);
    return undefined;
  }
  const f: Forwarding = { method: m };
  if (m !== 'tun') return n.words.length > 2 ? bad(ctx, n, 'only TUN takes options') : f;
  let type: Forwarding['tunType'] = prev?.method === 'tun' ? prev.tunType : undefined;
  for (let i = 2; i < n.words.length; i++) {
    const w = n.words[i]!;
    if (w === 'type') {
      const t = n.words[++i];
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') return bad(ctx, n, `unknown tunnel type "${t ?? ''}"`);
      type = t;
    } else if (w === 'port') {
      const p = Number(n.words[++i]);
      if (!(Number.isInteger(p) && p >= 1 && p <= 65535)) return bad(ctx, n, `"${n.words[i] ?? ''}" is not a port`);
      f.tunPort = p;
    } else if (w === 'nocsum' || w === 'csum' || w === 'remcsum') f.tunFlags = w;
    else return bad(ctx, n, `unknown tunnel option "${w}"`);
  }
  if ((type === 'gue') !== (f.tunPort !== undefined))
    return bad(ctx, n, 'gue tunnels need a port, the others take none');
  if ((type ?? 'ipip') === 'ipip' && f.tunFlags && f.tunFlags !== 'nocsum')
    return bad(ctx, n, 'ipip tunnels take no checksum option');
  if (type === 'gre' && f.tunFlags === 'remcsum') return bad(ctx, n, 'gre tunnels take no remcsum');
  if (type) f.tunType = type;
  return f;
}

function bad(ctx: Ctx, n: KaNode, why: string): undefined {
  ctx.warn(n, n.words[0]!, `${why}; keepalived ignores the line`);
  return undefined;
}
