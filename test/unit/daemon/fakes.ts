/**
 * Test doubles for the daemon core: a tiny config model (its own config shape and planner), a
 * health engine driven by hand, a reconciler over a plain table that counts passes and writes,
 * and a VRRP recorder. They keep state and behave like the real modules' contracts.
 */
import pino from 'pino';
import type { IpvsTable, TableService } from '../../../src/ipvs/types.js';
import { serviceKey, destKey } from '../../../src/ipvs/types.js';
import type {
  ConfigModel,
  HealthEventLike,
  HealthPort,
  HealthStatusLike,
  Loaded,
  PlanInput,
  PlanOutput,
  ReconcilerPort,
  Target,
  VrrpPort,
} from '../../../src/daemon/ports.js';

/** The fake config: virtual servers with real servers "addr:port" → weight. */
export interface FakeConfig {
  resync: number;
  onShutdown: 'keep' | 'remove';
  stateFile?: string;
  vs: Array<{
    name: string;
    address: string;
    port: number;
    rs: Record<string, number>;
    checked?: boolean;
    quorum?: number;
  }>;
  vrrp?: string[];
}

/** A model whose `files` map plays the file system (a string value = load problems). */
export function fakeModel(files: Map<string, FakeConfig | string>): ConfigModel<FakeConfig> & { plans: number } {
  const m = {
    plans: 0,
    load: async (p: string): Promise<Loaded<FakeConfig>> => {
      const f = files.get(p);
      if (f === undefined) return { ok: false, problems: [{ path: p, message: 'no such file' }] };
      if (typeof f === 'string') return { ok: false, problems: [{ path: 'virtual_server[0].port', message: f }] };
      return { ok: true, config: structuredClone(f) };
    },
    globals: (c: FakeConfig) => ({
      routerId: 'test',
      logLevel: 'silent',
      controlSocket: '/nonexistent',
      resyncIntervalMs: c.resync,
      onShutdown: c.onShutdown,
      removal: 'drain' as const,
      stateFile: c.stateFile,
    }),
    targets: (c: FakeConfig): Target[] =>
      c.vs.flatMap((v) =>
        v.checked === false
          ? []
          : Object.keys(v.rs).map((rs) => ({
              id: `${v.name}|${rs}`,
              address: rs.split(':')[0],
              port: Number(rs.split(':')[1]),
              spec: { type: 'tcp' },
            })),
      ),
    virtualServers: (c: FakeConfig) =>
      c.vs.map((v) => ({
        name: v.name,
        serviceKey: key(v),
        scheduler: 'wrr',
        realServers: Object.entries(v.rs).map(([rs, w]) => ({
          rs,
          configuredWeight: w,
          healthId: v.checked === false ? undefined : `${v.name}|${rs}`,
        })),
      })),
    ownedKeys: (c: FakeConfig) => c.vs.map(key),
    diffSummary: (a: FakeConfig, b: FakeConfig) =>
      `+${b.vs.filter((v) => !a.vs.some((x) => x.name === v.name)).length} services`,
    plan: (input: PlanInput<FakeConfig>, memory: unknown) => {
      m.plans++;
      return { out: plan(input), memory: ((memory as number) ?? 0) + 1 };
    },
    vrrpInstances: (c: FakeConfig) => c.vrrp ?? [],
  };
  return m;
}

function key(v: FakeConfig['vs'][number]): string {
  return `TCP ${v.address}:${v.port}`;
}

function plan(input: PlanInput<FakeConfig>): PlanOutput {
  const explain = new Map<string, string>();
  const below = new Set<string>();
  const services: TableService[] = input.config.vs.map((v) => {
    let live = 0;
    const destinations = Object.entries(v.rs).map(([rs, w]) => {
      const h = input.health(`${v.name}|${rs}`) ?? { up: true };
      const drained = input.drained.has(`${v.name}|${rs}`);
      const weight = drained || !h.up ? 0 : w;
      live += weight;
      explain.set(`${v.name}|${rs}`, drained ? 'drained' : h.up ? 'healthy' : 'down: weight 0');
      const [address, port] = [rs.split(':')[0], Number(rs.split(':')[1])];
      return {
        af: 'inet' as const,
        address,
        port,
        forwarding: 'nat' as const,
        weight,
        upperThreshold: 0,
        lowerThreshold: 0,
      };
    });
    if (live < (v.quorum ?? 1)) below.add(v.name);
    return {
      id: { af: 'inet', protocol: 'tcp', address: v.address, port: v.port },
      scheduler: 'wrr',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
      destinations,
    };
  });
  return { table: { services }, explain, belowQuorum: below };
}

/** A health engine whose verdicts the test sets. */
export class FakeHealth implements HealthPort {
  targets: Target[] = [];
  setCalls = 0;
  stopped = false;
  private states = new Map<string, HealthStatusLike>();
  private cbs = new Set<(ev: HealthEventLike) => void>();

  setTargets(t: Target[]): void {
    this.setCalls++;
    this.targets = t;
  }
  onTransition(cb: (ev: HealthEventLike) => void): () => void {
    this.cbs.add(cb);
    return () => this.cbs.delete(cb);
  }
  status(id: string): HealthStatusLike | undefined {
    if (!this.targets.some((t) => t.id === id)) return undefined;
    return this.states.get(id) ?? { state: 'up', since: 0, reason: 'initial', lastResults: [] };
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  /** Sets a verdict and emits the transition. */
  set(id: string, to: 'up' | 'down', reason: string): void {
    const from = this.status(id)?.state ?? 'up';
    this.states.set(id, {
      state: to,
      since: Date.now(),
      reason,
      lastResults: [{ ok: to === 'up', at: Date.now(), ms: 1, detail: reason }],
    });
    for (const cb of this.cbs) cb({ id, from, to, reason, at: Date.now() });
  }
}

/** A reconciler over a plain table: diff by key, never touching unowned services. */
export class FakeReconciler implements ReconcilerPort {
  table: IpvsTable = { services: [] };
  passes = 0;
  writes = 0;
  owned: string[][] = [];
  gate?: Promise<void>;

  async reconcile(desired: IpvsTable, owned: ReadonlySet<string>) {
    this.passes++;
    this.owned.push([...owned].sort());
    if (this.gate) await this.gate;
    const ops: string[] = [];
    const keep = this.table.services.filter((s) => !owned.has(serviceKey(s.id)));
    for (const s of this.table.services)
      if (owned.has(serviceKey(s.id)) && !desired.services.some((d) => serviceKey(d.id) === serviceKey(s.id)))
        ops.push(`del ${serviceKey(s.id)}`);
    for (const d of desired.services) ops.push(...this.diffService(d));
    this.table = { services: [...keep, ...structuredClone(desired.services)] };
    this.writes += ops.length;
    return { ops, failed: [], durationMs: 1, writes: ops.length };
  }

  private diffService(d: TableService): string[] {
    const cur = this.table.services.find((s) => serviceKey(s.id) === serviceKey(d.id));
    if (!cur) return [`add ${serviceKey(d.id)}`, ...d.destinations.map((x) => `add-dest ${destKey(x)}`)];
    const ops: string[] = [];
    for (const x of d.destinations) {
      const c = cur.destinations.find((y) => destKey(y) === destKey(x));
      if (!c) ops.push(`add-dest ${destKey(x)}`);
      else if (c.weight !== x.weight) ops.push(`edit-dest ${destKey(x)} ${x.weight}`);
    }
    for (const c of cur.destinations)
      if (!d.destinations.some((x) => destKey(x) === destKey(c))) ops.push(`del-dest ${destKey(c)}`);
    return ops;
  }

  lastActual(): IpvsTable | undefined {
    return this.table;
  }

  weight(svc: string, rs: string): number | undefined {
    return this.table.services.find((s) => serviceKey(s.id) === svc)?.destinations.find((d) => destKey(d) === rs)
      ?.weight;
  }
}

/** Records what the daemon tells VRRP. */
export class FakeVrrp implements VrrpPort {
  calls: string[] = [];
  constructor(public instances: unknown[]) {}
  async start() {
    this.calls.push('start');
  }
  async reload(i: unknown[]) {
    this.instances = i;
    this.calls.push('reload');
  }
  setVirtualServerDown(name: string, below: boolean) {
    this.calls.push(`vs ${name} ${below ? 'down' : 'up'}`);
  }
  status() {
    return [{ name: 'VI_1', state: 'MASTER', priority: 100, effectivePriority: 100, since: 0, reason: 'test' }];
  }
  async stop() {
    this.calls.push('stop');
  }
}

/** A silent logger that keeps every record (for asserting log lines). */
export function memoryLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'trace' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}
