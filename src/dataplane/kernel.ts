/**
 * The kernel dataplane: the Dataplane contract over IpvsClient (generic netlink). `writes` counts
 * write requests sent to the kernel (one per Op), so callers can assert how much a reload wrote.
 */
import { IpvsClient, type IpvsClientOptions } from '../ipvs/client.js';
import { IpvsError } from '../ipvs/errors.js';
import type { IpvsTable, Op, OpResult } from '../ipvs/types.js';
import type { Dataplane } from './dataplane.js';

/** A Dataplane backed by the running kernel's IPVS. */
export class KernelDataplane implements Dataplane {
  private closed = false;

  private constructor(private readonly client: IpvsClient) {}

  /** Opens the IPVS client; rejects with IpvsUnavailableError when the kernel has no IPVS. */
  static async open(opts: IpvsClientOptions = {}): Promise<KernelDataplane> {
    return new KernelDataplane(await IpvsClient.open(opts));
  }

  /** Wraps an already open client (tests). */
  static fromClient(client: IpvsClient): KernelDataplane {
    return new KernelDataplane(client);
  }

  /** Write requests (ops) sent to the kernel since open. */
  get writes(): number {
    return this.client.writes;
  }

  /** Datagrams (sendto calls) used for those writes. */
  get writeDatagrams(): number {
    return this.client.writeDatagrams;
  }

  /** The whole kernel table with connection counters, and traffic stats unless `opts.stats` is false. */
  async read(opts: { stats?: boolean } = {}): Promise<IpvsTable> {
    this.check();
    return this.client.readTable(opts);
  }

  /** Applies ops in batches of 100 per sendto; one result per op; never rejects for a per-op refusal. */
  async apply(ops: readonly Op[]): Promise<OpResult[]> {
    this.check();
    return this.client.apply(ops);
  }

  /** Closes the socket; later calls reject with IpvsError 'IPVS_CLOSED'. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  private check(): void {
    if (this.closed) throw new IpvsError('IPVS_CLOSED', 'the kernel dataplane is closed');
  }
}
