/**
 * The dataplane contract: where the reconciler reads the current IPVS table and applies ops.
 * Implementations: the kernel over generic netlink (src/dataplane/kernel.ts) and an in-memory table
 * that fails like the kernel (src/dataplane/memory.ts).
 */
import type { IpvsTable, Op, OpResult } from '../ipvs/types.js';

/** A place IPVS state lives. */
export interface Dataplane {
  /**
   * Reads the whole table with destination connection counters, and with traffic stats unless
   * `opts.stats` is false. Rejects only if the read itself fails.
   */
  read(opts?: { stats?: boolean }): Promise<IpvsTable>;
  /**
   * Applies ops in order (in batches where the transport allows) and returns one result per op.
   * A failed op does not stop the ones after it. Never rejects for a per-op kernel error.
   */
  apply(ops: readonly Op[]): Promise<OpResult[]>;
  /** Releases sockets; further calls reject. */
  close(): Promise<void>;
}
