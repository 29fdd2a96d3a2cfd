/**
 * The kernel dataplane on a host whose kernel has no IPVS yet (e.g. a container on a host without
 * `modprobe ip_vs`). Instead of exiting, the daemon keeps VRRP and health checks running and says why
 * the IPVS part cannot work: every read or apply first tries to open the IPVS family again and rejects
 * with the "IPVS is not available" error until the module is loaded. The reconciler's failure path
 * logs that error at every resync and /healthz reports it; once `ip_vs` is loaded the next resync
 * programs the table.
 */
import type { Dataplane } from '../dataplane/dataplane.js';
import type { Op, OpResult, IpvsTable } from '../ipvs/types.js';

/** True if `e` says the kernel has no IPVS (as opposed to a permission or other failure). */
export function isIpvsUnavailable(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'IPVS_UNAVAILABLE';
}

/** Wraps `open` so the kernel dataplane is opened on first successful use; see the module comment. */
export function awaitingIpvs(open: () => Promise<Dataplane>): Dataplane {
  let inner: Dataplane | undefined;
  let opening: Promise<Dataplane> | undefined;
  const get = async (): Promise<Dataplane> => {
    if (!inner) {
      opening ??= open().finally(() => (opening = undefined));
      inner = await opening;
    }
    return inner;
  };
  return {
    read: async (opts?: { stats?: boolean }): Promise<IpvsTable> => (await get()).read(opts),
    apply: async (ops: readonly Op[]): Promise<OpResult[]> => (await get()).apply(ops),
    close: async () => inner?.close(),
  };
}
