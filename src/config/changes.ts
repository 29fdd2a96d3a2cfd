/**
 * A reload's diff by name, for the audit log and the status page: one entry per virtual server,
 * real server, VRRP instance or [global] key added, removed or changed, named as the operator wrote
 * it ("web", "web 10.0.0.2:8080", "VI_1", "drain_timeout"). The real servers of an added or removed
 * virtual server are part of that entry, not entries of their own. Pure.
 */
import type { ConfigDiff } from './diff.js';
import type { Config } from './types.js';

/** One named change. */
export interface ConfigChange {
  change: 'added' | 'removed' | 'changed';
  kind: 'virtual_server' | 'real_server' | 'vrrp_instance' | 'global';
  name: string;
  /** Changed fields (changed entries only). */
  fields?: string[];
}

/** The named changes of `d` (a diff of `prev` → `next`), in a stable order. */
export function configChanges(prev: Config, next: Config, d: ConfigDiff): ConfigChange[] {
  const serviceOf = (key: string) => key.slice(0, key.lastIndexOf('|'));
  // names only of the services real-server changes name (not every service of both configs)
  const named = new Set([...d.dests.added, ...d.dests.removed, ...d.dests.changed.map((c) => c.key)].map(serviceOf));
  const whole = new Set([...d.services.added, ...d.services.removed]);
  const vsName = new Map<string, string>();
  const wholeService = new Set<string>();
  if (named.size)
    for (const c of [prev, next])
      for (const v of c.virtual_server) {
        if (!named.has(v.key)) continue;
        vsName.set(v.key, v.name);
        if (whole.has(v.name)) wholeService.add(v.key);
      }
  const dest = (key: string) => {
    const service = serviceOf(key);
    return { service, name: `${vsName.get(service) ?? service} ${key.slice(service.length + 1)}` };
  };
  const out: ConfigChange[] = [];
  for (const name of d.services.added) out.push({ change: 'added', kind: 'virtual_server', name });
  for (const name of d.services.removed) out.push({ change: 'removed', kind: 'virtual_server', name });
  for (const c of d.services.changed)
    out.push({ change: 'changed', kind: 'virtual_server', name: c.name, fields: c.fields });
  for (const [list, change] of [
    [d.dests.added, 'added'],
    [d.dests.removed, 'removed'],
  ] as const)
    for (const key of list) {
      const x = dest(key);
      if (!wholeService.has(x.service)) out.push({ change, kind: 'real_server', name: x.name });
    }
  for (const c of d.dests.changed)
    out.push({ change: 'changed', kind: 'real_server', name: dest(c.key).name, fields: c.fields });
  for (const name of d.vrrp.added) out.push({ change: 'added', kind: 'vrrp_instance', name });
  for (const name of d.vrrp.removed) out.push({ change: 'removed', kind: 'vrrp_instance', name });
  for (const c of d.vrrp.changed)
    out.push({ change: 'changed', kind: 'vrrp_instance', name: c.name, fields: c.fields });
  for (const key of d.global) out.push({ change: 'changed', kind: 'global', name: key });
  return out;
}

/** One line of text per change: "+ real_server web 10.0.0.2:8080", "~ virtual_server api (scheduler)". */
export function changeText(c: ConfigChange): string {
  const sign = c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~';
  return `${sign} ${c.kind} ${c.name}${c.fields?.length ? ` (${c.fields.join(', ')})` : ''}`;
}

/** At most `max` entries, and how many were left out. */
export function bounded<T>(items: readonly T[], max: number): { items: T[]; more: number } {
  return { items: items.slice(0, max), more: Math.max(0, items.length - max) };
}
