/**
 * The sync controller beside a VRRP runtime (in the VRRP worker in production): created, changed
 * or dropped as the config's [sync] comes and goes, and plugged into the runtime as its VIP hook.
 * The IPVS socket is opened on first use and again after a failure (the ip_vs module may be loaded
 * after lvsd started).
 */
import type { SyncDaemon, SyncState } from '../ipvs/sync-daemon.js';
import type { Clock } from '../util/clock.js';
import type { VipSyncHook } from './hook.js';
import { SyncController, type SyncControllerStatus, type SyncKernel, type SyncLog } from './controller.js';
import type { SyncSetup } from './setup.js';

/** A SyncKernel that can be closed. */
export type ClosableSyncKernel = SyncKernel & { close(): void };

/** The kernel through an IpvsClient opened on first use (and reopened after a failure to open). */
export function ipvsSyncKernel(): ClosableSyncKernel {
  type Client = SyncKernel & { close(): void };
  let client: Promise<Client> | undefined;
  const get = (): Promise<Client> =>
    (client ??= import('../ipvs/client.js')
      .then(({ IpvsClient }) => IpvsClient.open())
      .catch((e: unknown) => {
        client = undefined;
        throw e;
      }));
  return {
    listDaemons: async (): Promise<SyncDaemon[]> => (await get()).listDaemons(),
    startDaemon: async (d: SyncDaemon) => (await get()).startDaemon(d),
    stopDaemon: async (s: SyncState) => (await get()).stopDaemon(s),
    close: () => void client?.then((c) => c.close()).catch(() => undefined),
  };
}

/** See the module comment. */
export class RuntimeSync {
  private controller: SyncController | undefined;

  constructor(
    private readonly runtime: { sync: VipSyncHook | undefined },
    private readonly kernel: ClosableSyncKernel,
    private readonly clock: Clock,
    private readonly log: SyncLog,
  ) {}

  /** Applies the [sync] setup of a start or reload (undefined: none; the kernel's daemons are left as they are). */
  async apply(setup: SyncSetup | undefined): Promise<void> {
    if (!setup || setup.spec.instances.length === 0) {
      this.runtime.sync = undefined;
      await this.controller?.stop();
      this.controller = undefined;
      return;
    }
    if (this.controller) return this.controller.reconfigure(setup.spec);
    this.controller = new SyncController(setup.spec, this.kernel, this.clock, this.log);
    await this.controller.start();
    this.runtime.sync = this.controller;
  }

  /** The controller's view (wanted and running daemons, last refusal), when a section is applied. */
  status(): SyncControllerStatus | undefined {
    return this.controller?.status();
  }

  /** Stops the controller's timers and closes the socket; the kernel's daemons keep running. */
  async stop(): Promise<void> {
    await this.controller?.stop();
    this.controller = undefined;
    this.runtime.sync = undefined;
    this.kernel.close();
  }
}
