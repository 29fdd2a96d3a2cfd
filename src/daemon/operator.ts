/**
 * Runtime control, one model for every client (lvsctl, the control socket): per real server or per
 * virtual server `state ready|drain|maint`, `weight N|N%|reset` and `check` (probe now). Each
 * change is recorded (overrides, persisted), audited, applied by one reconcile pass, and answered
 * with what that pass did to the kernel for the servers it named (ipvsadm rule lines).
 */
import type { Config, RealServerConfig, VirtualServerConfig } from '../config/types.js';
import { destKey, serviceKey, type Op, type ServiceId } from '../ipvs/types.js';
import { formatOp } from '../ipvs/format.js';
import { withState, type AdminEntry, type AdminState } from '../plan/admin.js';
import { serverId } from '../plan/desired.js';
import type { ReconcileReport } from '../plan/reconciler.js';
import type { ProbeRecord } from '../health/state.js';
import type { Audit } from './audit.js';
import { DaemonError } from './errors.js';
import { resolveServer } from './names.js';
import type { Overrides } from './overrides.js';

/** What the operator code needs of the daemon. */
export interface OperatorContext {
  config: Config;
  overrides: Overrides;
  audit: Audit;
  /** Clock time (ms) for slow start after ready. */
  now(): number;
  /**
   * Runs a pass including the change; resolves with the reports of every pass that finished since
   * (one that was already running may be the one that applied it), merged; undefined without a dataplane.
   */
  pass(): Promise<ReconcileReport | undefined>;
  /** Probes a health target now (see HealthEngine.checkNow). */
  checkNow(id: string): Promise<ProbeRecord | undefined>;
}

/** A server the operation touched, with its override before and after. */
export interface OperatorChange {
  vs: string;
  rs?: string;
  before: AdminEntry;
  after: AdminEntry;
}

/** The answer to a change: what changed and what the pass did to the kernel for it. */
export interface OperatorResult {
  changes: OperatorChange[];
  /** ipvsadm rule lines of the pass's ops on the named servers (empty: the kernel already matched). */
  kernel: string[];
  /** Ops of the same pass elsewhere (other changes it picked up). */
  otherOps: number;
  failed: string[];
}

const READY: AdminEntry = { state: 'ready' };

/** `state`: sets the operator state of one real server, or of a whole virtual server. */
export async function setState(ctx: OperatorContext, vs: string, rs: string | undefined, state: AdminState) {
  const now = ctx.now();
  const changes: OperatorChange[] = [];
  if (rs !== undefined) {
    const key = resolveServer(ctx.config, vs, rs);
    const before = ctx.overrides.server(serverId(key.vs, key.rs)) ?? READY;
    const after = withState(before, state, now);
    ctx.overrides.setServer(key.vs, key.rs, after);
    changes.push({ vs: key.vs, rs: key.rs, before, after });
  } else {
    const v = virtualServer(ctx.config, vs);
    const before = ctx.overrides.service(v.name) ?? READY;
    const after = withState(before, state, now);
    ctx.overrides.setService(v.name, after);
    changes.push({ vs: v.name, before, after });
  }
  for (const c of changes) audit(ctx, c, `state ${c.before.state} -> ${c.after.state}`);
  return apply(ctx, changes);
}

/** `weight`: a weight override (a number, a percentage of the configured weight) or "reset". */
export async function setWeight(ctx: OperatorContext, vs: string, rs: string | undefined, weight: number | string) {
  const v = virtualServer(ctx.config, vs);
  const servers = rs === undefined ? v.real_server : [server(ctx.config, v, rs)];
  const changes = servers.map((r) => {
    const before = ctx.overrides.server(serverId(v.name, r.key)) ?? READY;
    const w = weightOf(weight, r);
    const after: AdminEntry = {
      state: before.state,
      ...(before.readySince !== undefined ? { readySince: before.readySince } : {}),
    };
    if (w !== undefined) after.weight = w;
    ctx.overrides.setServer(v.name, r.key, after);
    return { vs: v.name, rs: r.key, before, after };
  });
  for (const c of changes)
    audit(ctx, c, `weight ${c.before.weight ?? 'configured'} -> ${c.after.weight ?? 'configured'}`);
  return apply(ctx, changes);
}

/** `check`: probes the real server(s) now and answers with each result. */
export async function checkNow(ctx: OperatorContext, vs: string, rs: string | undefined) {
  const v = virtualServer(ctx.config, vs);
  const servers = rs === undefined ? v.real_server : [server(ctx.config, v, rs)];
  const results = await Promise.all(
    servers.map(async (r) => {
      if (!r.check && !v.check) return { rs: r.key, checked: false, detail: 'no health check configured' };
      const rec = await ctx.checkNow(serverId(v.name, r.key));
      return rec
        ? { rs: r.key, checked: true, ok: rec.ok, ms: rec.ms, detail: rec.detail }
        : { rs: r.key, checked: false, detail: 'not checked: the target is not running yet' };
    }),
  );
  const report = await ctx.pass();
  return { vs: v.name, results, ...kernelPart(report, v, new Set(servers.map((r) => r.key))) };
}

function virtualServer(c: Config, vs: string): VirtualServerConfig {
  const v = c.virtual_server.find((x) => x.name === vs);
  if (!v)
    throw new DaemonError(
      'ENOVS',
      `no virtual server named ${JSON.stringify(vs)} (there are: ${c.virtual_server.map((x) => x.name).join(', ')})`,
    );
  return v;
}

function server(c: Config, v: VirtualServerConfig, rs: string): RealServerConfig {
  const key = resolveServer(c, v.name, rs);
  return v.real_server.find((r) => r.key === key.rs)!;
}

function weightOf(w: number | string, r: RealServerConfig): number | undefined {
  if (w === 'reset') return undefined;
  if (typeof w === 'number') return w;
  const pct = Number(w.slice(0, -1));
  return Math.min(65535, Math.round((r.weight * pct) / 100));
}

function audit(ctx: OperatorContext, c: OperatorChange, what: string): void {
  ctx.audit.transition({
    kind: 'operator',
    vs: c.vs,
    ...(c.rs !== undefined ? { rs: c.rs } : {}),
    from: describe(c.before),
    to: describe(c.after),
    reason: `lvsctl ${what}`,
  });
}

function describe(e: AdminEntry): string {
  return e.weight !== undefined ? `${e.state} (weight ${e.weight})` : e.state;
}

async function apply(ctx: OperatorContext, changes: OperatorChange[]): Promise<OperatorResult> {
  const report = await ctx.pass();
  const v = ctx.config.virtual_server.find((x) => x.name === changes[0]!.vs)!;
  const named = changes.some((c) => c.rs === undefined) ? undefined : new Set(changes.map((c) => c.rs!));
  return { changes, ...kernelPart(report, v, named) };
}

/** The service an op is about (none for flush and a global zero). */
function opService(op: Op): ServiceId | undefined {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return op.service.id;
    case 'del-service':
      return op.id;
    case 'add-dest':
    case 'edit-dest':
    case 'del-dest':
      return op.service;
    case 'zero':
      return op.service;
    case 'flush':
      return undefined;
  }
}

/** The pass's ops on virtual server `v` (and, when given, only on the named real servers). */
function kernelPart(
  report: ReconcileReport | undefined,
  v: VirtualServerConfig,
  named: ReadonlySet<string> | undefined,
): Pick<OperatorResult, 'kernel' | 'otherOps' | 'failed'> {
  const ops = report?.ops ?? [];
  const mine = (op: Op) => {
    const id = opService(op);
    if (!id || serviceKey(id) !== v.key) return false;
    return !named || !('dest' in op) || named.has(destKey(op.dest));
  };
  const kernel = ops.filter(mine);
  const failed = (report?.failed ?? []).filter((f) => mine(f.op)).map((f) => `${formatOp(f.op)}: ${f.error}`);
  return {
    kernel: kernel.map(formatOp),
    otherOps: ops.length - kernel.length,
    failed: report?.error ? [report.error, ...failed] : failed,
  };
}
