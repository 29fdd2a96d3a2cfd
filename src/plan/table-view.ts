/**
 * The reconciler's picture of the dataplane: the table it last read, kept in step with every op that
 * succeeded since (an added dest is in it, a deleted service is not; like the kernel, an added dest
 * goes to the head of its service's list and an edited one keeps its place, so the picture lists
 * dests in the order a read would: src/plan/dest-order.ts). A pass that does not read
 * diffs against this picture, so a reload or a health change costs no read of a 36,000-entry table;
 * the periodic resync reads the kernel again and starts a new picture, which is how drift made by
 * hand is found. Connection counters are those of the last read (a dest written since has none).
 * Services are replaced, never changed in place: a table handed out by `table()` stays as it was.
 */
import { destKey, serviceKey, type IpvsTable, type Op, type TableService } from '../ipvs/types.js';

/** A table read from a dataplane, plus the successful ops applied to it since. */
export class TableView {
  private readonly services = new Map<string, TableService>();
  private cached?: IpvsTable;

  /** The picture of a table just read (its service objects are shared, not copied). */
  constructor(read: IpvsTable) {
    for (const s of read.services) this.services.set(serviceKey(s.id), s);
  }

  /** The service with this serviceKey, as last read or written. */
  get(key: string): TableService | undefined {
    return this.services.get(key);
  }

  /** serviceKeys of every service in the picture. */
  keys(): IterableIterator<string> {
    return this.services.keys();
  }

  /** The whole picture as a table (the same object until an op changes it). */
  table(): IpvsTable {
    this.cached ??= { services: [...this.services.values()] };
    return this.cached;
  }

  /** Records ops the dataplane applied successfully, in order. */
  applied(ops: readonly Op[]): void {
    if (ops.length === 0) return;
    this.cached = undefined;
    // dest ops are collected per service and the service rebuilt once: a service with 10,000 dests
    // edited 10,000 times in one pass costs one copy, not 10,000
    // per service: the dests it listed (in its order) and those added since (in the order added)
    type Dest = TableService['destinations'][number];
    const touched = new Map<string, { listed: Map<string, Dest>; added: Map<string, Dest> }>();
    const destsOf = (key: string) => {
      let m = touched.get(key);
      if (!m) {
        const s = this.services.get(key);
        if (!s) return undefined;
        m = { listed: new Map(s.destinations.map((d) => [destKey(d), d])), added: new Map() };
        touched.set(key, m);
      }
      return m;
    };
    const flushService = (key: string) => {
      const m = touched.get(key);
      const s = this.services.get(key);
      if (m && s)
        this.services.set(key, { ...s, destinations: [...[...m.added.values()].reverse(), ...m.listed.values()] });
      touched.delete(key);
    };
    for (const op of ops) {
      switch (op.op) {
        case 'add-service': {
          const k = serviceKey(op.service.id);
          touched.delete(k);
          this.services.set(k, { ...op.service, destinations: [] });
          break;
        }
        case 'edit-service': {
          const k = serviceKey(op.service.id);
          flushService(k);
          const s = this.services.get(k);
          if (s) this.services.set(k, { ...op.service, destinations: s.destinations, stats: s.stats });
          break;
        }
        case 'del-service': {
          const k = serviceKey(op.id);
          touched.delete(k);
          this.services.delete(k);
          break;
        }
        case 'add-dest':
        case 'edit-dest': {
          const m = destsOf(serviceKey(op.service));
          const k = destKey(op.dest);
          if (m?.listed.has(k)) m.listed.set(k, op.dest);
          else m?.added.set(k, op.dest);
          break;
        }
        case 'del-dest': {
          const m = destsOf(serviceKey(op.service));
          const k = destKey(op.dest);
          if (!m?.listed.delete(k)) m?.added.delete(k);
          break;
        }
        case 'flush':
          touched.clear();
          this.services.clear();
          break;
        case 'zero':
          break;
      }
    }
    for (const k of [...touched.keys()]) flushService(k);
  }
}
