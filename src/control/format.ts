/**
 * Human text for `lvsctl status` (pure). One block per virtual server, one line per real server:
 * health, operator state, configured (and operator) → desired → kernel weight, conns, and WHY
 * (planner explanation, last transition reason) so "why is this server not getting traffic?" is
 * answered on the line itself. Also the answers of the runtime-control commands.
 */
import type { InstanceStatus } from '../vrrp/instance.js';
import { changeText } from '../config/changes.js';
import { syncDaemonName } from '../ipvs/sync-daemon.js';
import type { RealServerStatus, StatusReport, SyncStatus, VirtualServerStatus } from './status-report.js';

/** Formats a status report for a terminal; `now` is Date.now() (ages are relative to it). */
export function formatStatus(s: StatusReport, now = Date.now()): string {
  const d = s.daemon;
  const out = [
    `lvsd pid ${d.pid}  router ${d.routerId}  config ${d.configFile} (generation ${d.generation})  dataplane ${d.dataplane}  up ${age(now - d.startedAt)}`,
  ];
  if (d.stateFileProblem) out.push(`WARNING: operator overrides lost at start: ${d.stateFileProblem}`);
  if (d.lastReload) out.push(reloadLine(d.lastReload, now));
  if (d.lastReconcile) out.push(reconcileLine(d.lastReconcile, now));
  for (const w of d.warnings ?? []) out.push(`WARNING ${w}`);
  if (s.announce) out.push('', ...announceLines(s.announce, now));
  for (const vs of s.virtualServers) out.push('', ...vsLines(vs, now));
  for (const v of s.vrrp) out.push('', vrrpLine(v, now));
  if (s.sync) out.push('', ...syncLines(s.sync, now));
  return out.join('\n') + '\n';
}

/** The [sync] block: the section, the daemons the kernel runs, connections by origin, holds, problems. */
function syncLines(s: SyncStatus, now: number): string[] {
  const follows = s.vrrpInstances.length ? `following ${s.vrrpInstances.join(', ')}` : `standalone ${s.role ?? ''}`;
  const daemons = s.daemonsError
    ? `daemons unknown: ${s.daemonsError}`
    : s.daemons.length
      ? `running: ${s.daemons.map((d) => syncDaemonName(d)).join(', ')}`
      : 'no sync daemon running';
  const lines = [`sync ${s.interface} syncid ${s.syncId} (${follows})  ${daemons}`];
  const c = s.connections;
  if (c) lines.push(`  connections: ${c.synced} received by sync, ${c.local} scheduled here (${c.total} in the table)`);
  for (const h of s.holds)
    lines.push(`  ${h.instance} does not preempt for ${age(h.until - now)} more (waiting for the table)`);
  if (s.lastError) lines.push(`  last sync daemon command failed: ${s.lastError}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

function reloadLine(r: NonNullable<StatusReport['daemon']['lastReload']>, now: number): string {
  if (r.ok) {
    const changes = (r.changes ?? []).map((c) => `    ${changeText(c)}`);
    if (r.moreChanges) changes.push(`    ... and ${r.moreChanges} more`);
    if (r.pendingRestart?.length) changes.push(`    not applied until lvsd restarts: ${r.pendingRestart.join(', ')}`);
    return [`last reload ${age(now - r.at)} ago: ok (${r.summary ?? ''})`, ...changes].join('\n');
  }
  const probs = (r.problems ?? []).map((p) => `    ${p.path ? `${p.path}: ` : ''}${p.message}`);
  return [`last reload ${age(now - r.at)} ago: REJECTED, running the previous config:`, ...probs].join('\n');
}

function reconcileLine(p: NonNullable<StatusReport['daemon']['lastReconcile']>, now: number): string {
  const err = p.error ? `  ERROR ${p.error}` : p.failed.length ? `  ${p.failed.length} failed: ${p.failed[0]}` : '';
  return `last reconcile ${age(now - p.at)} ago: ${p.ops} ops in ${p.durationMs.toFixed(1)} ms${err}`;
}

function announceLines(a: NonNullable<StatusReport['announce']>, now: number): string[] {
  const head = `announce: table ${a.table} proto ${a.protocol} policy ${a.policy}${a.maintenance ? '  DIRECTOR IN MAINTENANCE' : ''}`;
  const lines = [head];
  for (const v of a.vips)
    lines.push(
      `  ${pad(v.vip, 22)} ${pad(v.announced ? 'announced' : 'WITHDRAWN', 10)} for ${age(now - v.since)}: ${v.reason}`,
    );
  for (const f of a.failed) lines.push(`  route ${f.route} not applied: ${f.error}`);
  if (a.lastError) lines.push(`  ERROR reading the table: ${a.lastError}`);
  return lines;
}

/** Column widths of the real-server table: the header and every row (real or extra) use them. */
const COLS = [22, 9, 7, 24, 10, 6];
const row = (cells: string[]) => cells.map((c, i) => (i < COLS.length ? pad(c, COLS[i]!) : c)).join(' ');

function vsLines(vs: VirtualServerStatus, now: number): string[] {
  const q = vs.quorum;
  const quorum = vs.belowQuorum
    ? `  BELOW QUORUM (live weight ${q.liveWeight} < ${q.quorum})`
    : q.quorum > 0
      ? `  quorum ${q.liveWeight}/${q.quorum}`
      : '';
  const held = vs.adminState !== 'ready' ? `  ${vs.adminState.toUpperCase()} (operator)` : '';
  const fp = vs.ecmp
    ? `  ecmp ${vs.ecmp.fingerprint ?? '-'}${vs.ecmp.desired && vs.ecmp.desired !== vs.ecmp.fingerprint ? ` (desired ${vs.ecmp.desired})` : ''}`
    : '';
  const head = `${vs.name}  ${vs.service}  ${vs.scheduler}${fp}${vs.inKernel ? '' : '  (NOT IN KERNEL)'}${quorum}${held}`;
  const traffic = vs.stats
    ? `  conns ${vs.stats.conns}  in ${vs.stats.inpkts}p/${vs.stats.inbytes}B  out ${vs.stats.outpkts}p/${vs.stats.outbytes}B`
    : '';
  const lines = [head + traffic];
  lines.push('  ' + row(['REAL SERVER', 'HEALTH', 'STATE', 'WEIGHT cfg/want/kernel', 'ACT/INACT', 'CONNS', 'WHY']));
  for (const r of vs.realServers) lines.push('  ' + rsLine(r, now));
  for (const x of vs.extraDestinations) {
    lines.push('  ' + row([x.rs, '-', '-', `-/-/${x.weight}`, `${x.active ?? '-'}/${x.inactive ?? '-'}`, '-', x.role]));
  }
  return lines;
}

function rsLine(r: RealServerStatus, now: number): string {
  const cfg =
    r.weightOverride !== undefined ? `${r.configuredWeight}(set ${r.weightOverride})` : `${r.configuredWeight}`;
  const w = `${cfg}/${r.desiredWeight ?? '-'}/${r.kernelWeight ?? '-'}`;
  const conns = `${r.active ?? '-'}/${r.inactive ?? '-'}`;
  return row([r.rs, r.health, r.adminState, w, conns, r.stats?.conns ?? '-', why(r, now)]);
}

function why(r: RealServerStatus, now: number): string {
  const parts: string[] = [];
  if (r.why) parts.push(r.why);
  if (r.health !== 'unchecked' && r.reason && !(r.why ?? '').includes(r.reason)) {
    const since = r.healthSince !== undefined ? ` ${age(now - r.healthSince)} ago` : '';
    const probes = r.probes ? `, ${r.probes} probes` : '';
    parts.push(`${r.health}${since}: ${r.reason}${probes}`);
  }
  if (r.kernelWeight === null) parts.push('not in the kernel table');
  return parts.join('; ');
}

function vrrpLine(v: InstanceStatus, now: number): string {
  const since = typeof v.since === 'number' ? ` for ${age(now - v.since)}` : '';
  const line = `vrrp ${String(v.name)}: ${String(v.state)}${since}  priority ${String(v.priority)} (effective ${String(v.effectivePriority)})${v.masterIp ? `  master ${String(v.masterIp)}` : ''}  ${String(v.reason ?? '')}`;
  const dropped = Object.entries(v.rejected ?? {});
  return dropped.length ? `${line}\n  adverts dropped: ${dropped.map(([k, n]) => `${k} ${n}`).join(', ')}` : line;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** "3s", "4m12s", "2h3m" for a millisecond age (negative/NaN → "0s"). */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor((ms || 0) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** Text for the answer of state / weight (drain, enable): what changed, then what the kernel got. */
export function formatOperatorResult(r: {
  changes: Array<{ vs: string; rs?: string; before: AdminView; after: AdminView }>;
  kernel: string[];
  otherOps: number;
  failed: string[];
}): string {
  const lines = r.changes.map(
    (c) => `${c.vs}${c.rs ? ` ${c.rs}` : ''}: ${adminText(c.before)} -> ${adminText(c.after)}`,
  );
  lines.push(
    r.kernel.length
      ? `kernel: ${r.kernel.length} change(s)\n${r.kernel.map((k) => `  ipvsadm ${k}`).join('\n')}`
      : 'kernel: no change needed (it already matched)',
  );
  if (r.otherOps) lines.push(`(the same pass applied ${r.otherOps} other change(s))`);
  for (const f of r.failed) lines.push(`FAILED: ${f} (retried at the next pass)`);
  return lines.join('\n') + '\n';
}

/** Text for the answer of check. */
export function formatCheckResult(r: {
  vs: string;
  results: Array<{ rs: string; checked: boolean; ok?: boolean; ms?: number; detail: string }>;
  kernel: string[];
}): string {
  const lines = r.results.map((x) =>
    x.checked
      ? `${r.vs} ${x.rs}: ${x.ok ? 'ok' : 'FAILED'} in ${x.ms?.toFixed(1)} ms: ${x.detail}`
      : `${r.vs} ${x.rs}: ${x.detail}`,
  );
  if (r.kernel.length) lines.push(`kernel: ${r.kernel.map((k) => `ipvsadm ${k}`).join('; ')}`);
  return lines.join('\n') + '\n';
}

type AdminView = { state: string; weight?: number };

function adminText(e: AdminView): string {
  return e.weight !== undefined ? `${e.state}, weight ${e.weight}` : e.state;
}
