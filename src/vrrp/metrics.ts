/**
 * Prometheus metrics of the VRRP layer, read from status snapshots at scrape time:
 *   lvsd_vrrp_state{instance}                       0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT
 *   lvsd_vrrp_priority{instance,kind}               kind = base | effective
 *   lvsd_vrrp_adverts_sent_total{instance}
 *   lvsd_vrrp_adverts_received_total{instance}
 *   lvsd_vrrp_adverts_rejected_total{instance,reason}
 *   lvsd_vrrp_transitions_total{instance,to}        incremented per transition
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InstanceStatus } from './instance.js';

const STATE_NUM = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 } as const;

/** Handle to count transitions; the rest is collected from `snapshot()`. */
export interface VrrpMetrics {
  transition(instance: string, to: string): void;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers (once per registry) the VRRP metrics; `snapshot` is called at every scrape. */
export function vrrpMetrics(registry: Registry, snapshot: () => InstanceStatus[]): VrrpMetrics {
  const reg = [registry];
  once(
    registry,
    'lvsd_vrrp_state',
    () =>
      new Gauge({
        name: 'lvsd_vrrp_state',
        help: 'VRRP state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT',
        labelNames: ['instance'],
        registers: reg,
        collect() {
          this.reset();
          for (const s of snapshot()) this.set({ instance: s.name }, STATE_NUM[s.state]);
        },
      }),
  );
  once(
    registry,
    'lvsd_vrrp_priority',
    () =>
      new Gauge({
        name: 'lvsd_vrrp_priority',
        help: 'VRRP priority (base and effective)',
        labelNames: ['instance', 'kind'],
        registers: reg,
        collect() {
          this.reset();
          for (const s of snapshot()) {
            this.set({ instance: s.name, kind: 'base' }, s.priority);
            this.set({ instance: s.name, kind: 'effective' }, s.effectivePriority);
          }
        },
      }),
  );
  const counter = (name: string, help: string, labelNames: string[], fill: (c: Counter, s: InstanceStatus) => void) =>
    once(
      registry,
      name,
      () =>
        new Counter({
          name,
          help,
          labelNames,
          registers: reg,
          collect() {
            this.reset();
            for (const s of snapshot()) fill(this, s);
          },
        }),
    );
  counter('lvsd_vrrp_adverts_sent_total', 'VRRP adverts sent', ['instance'], (c, s) =>
    c.inc({ instance: s.name }, s.advertsSent),
  );
  counter('lvsd_vrrp_adverts_received_total', 'VRRP adverts received and accepted', ['instance'], (c, s) =>
    c.inc({ instance: s.name }, s.advertsReceived),
  );
  counter('lvsd_vrrp_adverts_rejected_total', 'VRRP packets rejected, by reason', ['instance', 'reason'], (c, s) => {
    for (const [reason, n] of Object.entries(s.rejected)) c.inc({ instance: s.name, reason }, n);
  });
  const transitions = once(
    registry,
    'lvsd_vrrp_transitions_total',
    () =>
      new Counter({
        name: 'lvsd_vrrp_transitions_total',
        help: 'VRRP state transitions',
        labelNames: ['instance', 'to'],
        registers: reg,
      }),
  );
  return { transition: (instance, to) => transitions.inc({ instance, to }) };
}
