/**
 * Cross-field rules of `[announce]` and of ecmp virtual servers (docs/ecmp.md), over the file's view
 * (view.ts), like rules.ts: each announced VIP is the address of at least one virtual server (whose
 * health decides it) and is named once; an `ecmp = true` virtual server has every setting ecmp mode
 * requires (src/announce/ecmp.ts says why each one).
 */
import { canonicalIp } from '../../native/ip.js';
import { ecmpConfigIssues } from '../announce/ecmp.js';
import type { FileView, VsView } from './view.js';

type Emit = (path: (string | number)[], message: string) => void;

/** Runs the announce and ecmp rules; problems go to `emit`. */
export function announceRules(f: FileView, emit: Emit): void {
  for (const vs of f.virtual_server) if (vs.v.ecmp === true) ecmpRules(vs, emit);
  const a = f.announce;
  if (!a?.v.vips) return;
  const served = new Set(f.virtual_server.flatMap((vs) => canonicalIp(vs.v.address) ?? []));
  const seen = new Map<string, number>();
  a.v.vips.forEach((vip, i) => {
    const c = canonicalIp(vip);
    if (c === undefined) return;
    if (seen.has(c)) emit(['announce', 'vips', i], `${c} is listed twice (also vips[${seen.get(c)}])`);
    else seen.set(c, i);
    if (!served.has(c)) emit(['announce', 'vips', i], `${c} is not the address of any virtual_server`);
  });
}

function ecmpRules(vs: VsView, emit: Emit): void {
  const fwd = vs.v.forwarding ?? 'nat';
  const issues = ecmpConfigIssues({
    scheduler: vs.v.scheduler ?? 'wlc',
    scheduler_flags: vs.scheduler_flags.map((f) => f.flag),
    forwarding: fwd,
    on_failure: vs.v.on_failure ?? 'weight0',
    slow_start: vs.v.slow_start ?? 0,
    real_server: vs.real_server.map((rs) => ({ forwarding: rs.v.forwarding ?? fwd })),
  });
  for (const m of issues) emit(['virtual_server', vs.at, 'ecmp'], m);
}
