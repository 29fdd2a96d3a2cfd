/**
 * A large config's first probes before the whole file is validated. ConfigLoader.loadFileStaged
 * hands over batches of virtual servers, each validated on its own, as it reads them; the first
 * batch makes what serve() would make after the load — the logger, the process protections, the
 * metrics and the in-process health engine, all from the validated [global] table — and every
 * batch's health targets are added to the engine at once (HealthEngine.addTargets). serve() then
 * takes them instead of making its own, and the Daemon's start names every target again, which
 * keeps those already probed (state and phase). A file that turns out invalid stops the engine;
 * lvsd exits 2 as it would have, having only probed.
 *
 * It declines (and the start is the usual one) for a config whose targets would keep per-target
 * probe series (few targets) or that asks for probe threads (LVSD_HEALTH_SHARDS).
 */
import type { Logger } from 'pino';
import type { StagedPart } from '../config/config-loader.js';
import type { HealthEngine } from '../health/engine.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { daemonHealthEngine, daemonMetrics, healthShardCount, TUNING } from './compose.js';
import type { Daemon } from './daemon.js';
import { hardenedWith } from './harden.js';
import { healthTargets, probesPerSecond } from './targets.js';

/** What an early start made, for serve() to use. */
export interface EarlyParts {
  log: Logger;
  metrics: DaemonMetrics | undefined;
  health: HealthEngine;
  /** The daemon, once serve() has made it (the metrics read it). */
  ref: { daemon?: Daemon };
}

/** Takes a staged load's parts; see the module comment. */
export class EarlyStart {
  private parts: EarlyParts | undefined;
  private declined = false;

  /** `logger(level, routerId)`: the daemon's logger; `logLevel`: the command line's, which wins. */
  constructor(
    private readonly logger: (level: string, routerId: string) => Logger,
    private readonly logLevel: string | undefined,
  ) {}

  /** What was made, or undefined when nothing was (declined, or no part came). */
  get made(): EarlyParts | undefined {
    return this.parts;
  }

  /**
   * ConfigLoader.loadFileStaged's onPart: false once it wants no more parts. Never throws: anything
   * that fails here stops what was made and leaves the start to serve(), as if it had declined.
   */
  async take(part: StagedPart): Promise<boolean> {
    if (this.declined) return false;
    try {
      await this.takeNow(part);
      return !this.declined;
    } catch (e) {
      this.declined = true;
      this.parts?.log.warn({ err: (e as Error).message }, 'cannot probe while the config is read');
      await this.stop().catch(() => undefined);
      this.parts = undefined;
      return false;
    }
  }

  private async takeNow(part: StagedPart): Promise<void> {
    const targets = healthTargets({ virtual_server: part.virtualServers });
    if (!this.parts) {
      const share = part.sections / Math.max(1, part.virtualServers.length);
      const expected = targets.length * share;
      const rate = probesPerSecond({ virtual_server: part.virtualServers }) * share;
      if (expected <= TUNING.perTargetMetricsLimit || healthShardCount(rate) > 0) {
        this.declined = true;
        return;
      }
      this.parts = await this.make(part, expected, rate);
    }
    const { health } = this.parts;
    await health.prepare(targets);
    health.addTargets(targets);
  }

  /** Stops what was made (a config that did not load). */
  async stop(): Promise<void> {
    await this.parts?.health.stop();
  }

  private async make(part: StagedPart, targets: number, rate: number): Promise<EarlyParts> {
    const g = part.global;
    const log = this.logger(this.logLevel ?? g.log_level, g.router_id);
    await hardenedWith(log);
    const ref: EarlyParts['ref'] = {};
    const metrics = g.metrics_listen
      ? await daemonMetrics(
          () => (ref.daemon ? ref.daemon.destinations() : Promise.resolve([])),
          () => ref.daemon?.ecmpFingerprints() ?? Promise.resolve([]),
        )
      : undefined;
    const health = (await daemonHealthEngine(log, metrics?.registry, {
      targets,
      probesPerSecond: rate,
    })) as HealthEngine; // in process: threads were declined above
    log.info({ virtualServers: part.sections }, 'health checks start while the config is read');
    return { log, metrics, health, ref };
  }
}
