/**
 * The planner's "why this weight" for every real server, kept as one small map per virtual server
 * (so a virtual server planned again replaces its own map, and one left as it was keeps it: no pass
 * copies 36,000 strings) plus one map for drains of removed servers. Reads like one
 * `ReadonlyMap<"vs|rs", reason>`; a removal's reason wins over a virtual server's for the same id,
 * as the later entry did when this was one map.
 */

/** Reasons by id "vs|rs" (and "vs|sorry"), made of per-virtual-server parts. */
export class Explanations implements ReadonlyMap<string, string> {
  constructor(
    /** Parts by virtual server name, in config order. */
    private readonly parts: ReadonlyMap<string, ReadonlyMap<string, string>>,
    /** Reasons of drains of removed servers. */
    private readonly removals: ReadonlyMap<string, string>,
  ) {}

  get(id: string): string | undefined {
    const r = this.removals.get(id);
    if (r !== undefined) return r;
    const bar = id.lastIndexOf('|');
    return bar < 0 ? undefined : this.parts.get(id.slice(0, bar))?.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  get size(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }

  *entries(): MapIterator<[string, string]> {
    for (const part of this.parts.values()) for (const [id, why] of part) if (!this.removals.has(id)) yield [id, why];
    yield* this.removals;
  }

  *keys(): MapIterator<string> {
    for (const [id] of this.entries()) yield id;
  }

  *values(): MapIterator<string> {
    for (const [, why] of this.entries()) yield why;
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  forEach(f: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [id, why] of this.entries()) f(why, id, this);
  }
}
