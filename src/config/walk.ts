/**
 * Reads zod 4 schema definitions (`schema._zod.def`) without parsing: the known keys of the table at a
 * key path (for "did you mean") and a generic type description (for docs/config.md).
 */
import type { z } from 'zod';

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Strips optional/default/nullable/pipe/readonly wrappers down to the schema that checks the input. */
export function unwrap(s: z.ZodType): z.ZodType {
  let cur: unknown = s;
  for (let i = 0; i < 20; i++) {
    const d = defOf(cur);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type))
      cur = d.innerType;
    else if (d.type === 'pipe') cur = d.in;
    else break;
  }
  return cur as z.ZodType;
}

/** The object schemas reachable at this level (one for an object, each option for a union). */
export function objectsOf(s: z.ZodType): Array<Record<string, z.ZodType>> {
  const u = unwrap(s);
  const d = defOf(u);
  if (d.type === 'object') return [d.shape as Record<string, z.ZodType>];
  if (d.type === 'union') return (d.options as z.ZodType[]).flatMap(objectsOf);
  return [];
}

/** Schemas found at `path` below `root` (array indices step into the element). */
export function schemasAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let cur: z.ZodType[] = [root];
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of cur) {
      const u = unwrap(s);
      const d = defOf(u);
      if (typeof seg === 'number' && d.type === 'array') next.push(d.element as z.ZodType);
      else for (const shape of objectsOf(u)) if (typeof seg === 'string' && shape[seg]) next.push(shape[seg]!);
    }
    cur = next;
  }
  return cur;
}

/** Keys a table at `path` may have (union of every option's keys). */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(root, path))
    for (const shape of objectsOf(s)) for (const k of Object.keys(shape)) keys.add(k);
  return [...keys];
}

/** Values of a literal discriminator key across union options, e.g. the check kinds for `type`. */
export function discriminatorValues(s: z.ZodType, key: string): string[] {
  const vals: string[] = [];
  for (const shape of objectsOf(s)) {
    const d = shape[key] ? defOf(unwrap(shape[key]!)) : undefined;
    if (d?.type === 'literal') vals.push(...(d.values as unknown[]).map(String));
    if (d?.type === 'enum') vals.push(...Object.values(d.entries as Record<string, string>));
  }
  return vals;
}

/** A short generic type description ("integer", "string", "one of a, b", "array of ..."). */
export function describe(s: z.ZodType): string {
  const d = defOf(unwrap(s));
  switch (d.type) {
    case 'string':
      return 'string';
    case 'number':
      return numberType(d);
    case 'boolean':
      return 'boolean';
    case 'literal':
      return (d.values as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
    case 'enum':
      return Object.values(d.entries as Record<string, string>)
        .map((v) => JSON.stringify(v))
        .join(' | ');
    case 'array':
      return `array of ${describe(d.element as z.ZodType)}`;
    case 'object':
      return 'table';
    case 'union':
      return [...new Set((d.options as z.ZodType[]).map(describe))].join(' or ');
    default:
      return d.type;
  }
}

function numberType(d: Def): string {
  const checks = ((d.checks as unknown[] | undefined) ?? []).map(
    (c) => defOf(c) as { check?: string; format?: string; value?: number },
  );
  const isInt = String(d.format ?? '').includes('int') || checks.some((c) => String(c.format ?? '').includes('int'));
  const lo = checks.find((c) => c.check === 'greater_than')?.value;
  const hi = checks.find((c) => c.check === 'less_than')?.value;
  const range = lo !== undefined && hi !== undefined ? ` ${lo}-${hi}` : lo !== undefined ? ` ≥ ${lo}` : '';
  return (isInt ? 'integer' : 'number') + range;
}

/** The default of a key (the value zod fills in), or undefined. */
export function defaultOf(s: z.ZodType): unknown {
  let cur: unknown = s;
  for (let i = 0; i < 20; i++) {
    const d = defOf(cur);
    if (d.type === 'default' || d.type === 'prefault')
      return typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
    if (d.type === 'pipe')
      cur = d.in; // `.default(x).transform(...)`: the default sits on the pipe's input
    else if (['optional', 'nullable', 'readonly'].includes(d.type)) cur = d.innerType;
    else return undefined;
  }
  return undefined;
}

/** True when the key may be omitted (also behind a transform: `.default(x).transform(...)`). */
export function isOptional(s: z.ZodType): boolean {
  const d = defOf(s);
  if (d.type === 'pipe') return isOptional(d.in as z.ZodType);
  return d.type === 'optional' || d.type === 'default' || d.type === 'prefault';
}
