/**
 * A checker whose implementation module is imported on first use. Validating a config needs only the
 * kinds' zod schemas (schemas/*.ts); the probe code (native sockets, TLS, dns-packet, child_process)
 * is loaded when a kind is first used, so a daemon with only tcp checks never loads the others
 * (start-up, bench/results/daemon.md). Until the module has arrived, `probe` waits for it; after, the
 * implementation's own probe/start/describeTimeout are used directly, so the hot path is unchanged.
 */
import type { z } from 'zod';
import type { Checker, ProbeResult, ProbeTarget } from './checker.js';

/** A Checker that loads its implementation on demand; `load()` starts (or joins) that load. */
export interface LazyChecker<S> extends Checker<S> {
  /** Imports the implementation (once); resolves when probes go to it directly. Never rejects. */
  load(): Promise<void>;
}

const STOPPED: ProbeResult = { ok: false, detail: 'probe stopped' };

/**
 * Wraps `create` (which imports the kind's module and builds its checker) as a Checker of `kind`
 * with `schema`. A failed import makes every probe of this kind fail with a reason naming it; it never
 * throws or rejects. close() closes the implementation if it was loaded (or when it arrives).
 */
export function lazyChecker<S>(kind: string, schema: z.ZodType, create: () => Promise<Checker<S>>): LazyChecker<S> {
  let loading: Promise<void> | undefined;
  let impl: Checker<S> | undefined;
  let failure: ProbeResult | undefined;
  let closed = false;
  const c: LazyChecker<S> = {
    kind,
    schema,
    load: () =>
      (loading ??= create().then(
        adopt,
        (e: unknown) =>
          void (failure = {
            ok: false,
            detail: `${kind} checker could not be loaded: ${(e as Error)?.message ?? String(e)}`,
          }),
      )),
    probe: (target: ProbeTarget, spec: S, signal: AbortSignal) =>
      c.load().then(() => (impl && !signal.aborted ? impl.probe(target, spec, signal) : (failure ?? STOPPED))),
    close: () => {
      closed = true;
      impl?.close?.();
    },
  };
  function adopt(loaded: Checker<S>): void {
    impl = loaded;
    if (closed) return void loaded.close?.();
    c.probe = loaded.probe.bind(loaded);
    if (loaded.start) c.start = loaded.start.bind(loaded);
    if (loaded.describeTimeout) c.describeTimeout = loaded.describeTimeout.bind(loaded);
  }
  return c;
}
