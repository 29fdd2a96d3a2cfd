/** Runs one check attempt exactly as the engine does (runner + real checkers), for host tests. */
import type { ProbeResult } from '../../../src/health/checker.js';
import { createCheckers } from '../../../src/health/registry.js';
import { attempt } from '../../../src/health/runner.js';
import { checkSchema } from '../../../src/health/schema.js';
import { systemClock } from '../../../src/util/clock.js';

/** A set of checkers and a function probing once with a raw (TOML-shaped) check table. */
export function checkRunner(opts: { maxConcurrentScripts?: number } = {}) {
  const checkers = createCheckers(opts);
  return {
    async once(raw: Record<string, unknown>, address: string, port: number): Promise<ProbeResult> {
      const spec = checkSchema.parse(raw);
      const s = spec as { connect_ip?: string; connect_port?: number; bindto?: string };
      const target = {
        address: s.connect_ip ?? address,
        port: s.connect_port ?? port,
        server: { address, port },
        bindto: s.bindto,
        timeoutMs: spec.timeout,
      };
      return attempt({
        checker: checkers.get(spec.type)!,
        target,
        spec,
        clock: systemClock,
        signal: new AbortController().signal,
      });
    },
    close(): void {
      for (const c of new Set(checkers.values())) c.close?.();
    },
  };
}
