/**
 * The IPVS client: generic netlink family "IPVS" over a NetlinkConnection. Reads the table with
 * dumps, writes with batched requests (100 per sendto, each with its own ACK/errno).
 *
 * Errors: the family missing → IpvsUnavailableError; a kernel refusal → NetlinkError (code =
 * errno name, op names the command and service; EPERM's message names CAP_NET_ADMIN); a malformed
 * reply → NetlinkDecodeError. `apply` never rejects for a per-op failure.
 */
import { NetlinkConnection, type NlRequest } from '../netlink/conn.js';
import { NetlinkError } from '../netlink/errors.js';
import { resolveFamily } from '../netlink/genl.js';
import type { NlMsg } from '../netlink/message.js';
import { NETLINK_GENERIC } from '../../native/constants.js';
import {
  encodeGetConfig,
  encodeGetDests,
  encodeGetInfo,
  encodeGetServices,
  encodeOp,
  encodeSetConfig,
  type IpvsRequest,
  type Timeouts,
} from './codec.js';
import { IPVS_GENL_NAME } from './constants.js';
import {
  decodeDaemonMsg,
  encodeDelDaemon,
  encodeGetDaemons,
  encodeNewDaemon,
  syncRefusal,
  type SyncDaemon,
  type SyncState,
} from './sync-daemon.js';
import type { IpvsInfo } from './decode.js';

/** The reply decoders, loaded by the first read: a restore only writes, and never loads them. */
const decoders = (): Promise<typeof import('./decode.js')> => import('./decode.js');
import { IpvsError, IpvsUnavailableError } from './errors.js';
import type { Destination, IpvsTable, Op, OpResult, ServiceId, TableService } from './types.js';
import { ERRNO } from '../../native/errno.js';

/** Options of `IpvsClient.open`. */
export interface IpvsClientOptions {
  /** Per-request deadline (default 5000 ms; batches: per datagram). */
  timeoutMs?: number;
  /** Use this connection instead of opening a NETLINK_GENERIC socket (tests: a scripted transport). */
  conn?: NetlinkConnection;
}

/** Options of `IpvsClient.apply`. */
export interface ApplyOptions {
  /** Requests per sendto (default 100). */
  perSend?: number;
  timeoutMs?: number;
}

/** The one result of every op that succeeded (restores get 10,000s). */
const APPLIED: OpResult = Object.freeze({ ok: true });

/** An IPVS request addressed to the family; its name is read from it only for an error. */
class FamilyRequest implements NlRequest {
  constructor(
    readonly type: number,
    private readonly r: IpvsRequest,
  ) {}

  get payload(): Buffer {
    return this.r.payload;
  }

  get op(): string {
    return this.r.op;
  }
}

/** Options of reading the table. */
export interface TableReadOptions {
  /** Decode the destinations' traffic counters (default true); service stats are always read. */
  stats?: boolean;
}

/**
 * A client of the kernel's IPVS table. One socket; not safe for concurrent dumps (the kernel runs one dump per
 * socket).
 */
export class IpvsClient {
  /** Number of write requests sent to the kernel since open (ops, not datagrams). */
  writes = 0;
  /** Number of datagrams (sendto calls) used for writes since open. */
  writeDatagrams = 0;

  private constructor(
    private readonly conn: NetlinkConnection,
    /** The generic netlink family id the kernel gave "IPVS". */
    readonly familyId: number,
  ) {}

  /**
   * Opens a socket and resolves the "IPVS" family. Rejects with IpvsUnavailableError when the
   * kernel has no IPVS (the socket is closed again), or the NetlinkError of the lookup.
   */
  static async open(opts: IpvsClientOptions = {}): Promise<IpvsClient> {
    const conn = opts.conn ?? NetlinkConnection.open(NETLINK_GENERIC, { timeoutMs: opts.timeoutMs });
    try {
      const fam = await resolveFamily(conn, IPVS_GENL_NAME);
      return new IpvsClient(conn, fam.id);
    } catch (e) {
      conn.close();
      if (e instanceof NetlinkError && e.code === 'ENOENT') throw new IpvsUnavailableError({ cause: e });
      throw e;
    }
  }

  private async call(r: IpvsRequest): Promise<NlMsg[]> {
    return this.conn.request({ type: this.familyId, payload: r.payload, op: r.op, dump: r.dump === true });
  }

  private async one(r: IpvsRequest): Promise<Buffer> {
    const replies = await this.call(r);
    if (replies.length === 0) throw new NetlinkError(ERRNO.ENODATA, r.op, 'the kernel sent no reply');
    return replies[0].payload;
  }

  /** IPVS version and connection table size (GET_INFO). */
  async info(): Promise<IpvsInfo> {
    const { decodeInfo } = await decoders();
    return decodeInfo(await this.one(encodeGetInfo()));
  }

  /** The tcp, tcpfin and udp connection timeouts in seconds (GET_CONFIG). */
  async getTimeouts(): Promise<Timeouts> {
    const { decodeConfig } = await decoders();
    return decodeConfig(await this.one(encodeGetConfig()));
  }

  /** Sets the timeouts (SET_CONFIG); a 0 leaves that timeout unchanged. */
  async setTimeouts(t: Timeouts): Promise<void> {
    this.writes++;
    this.writeDatagrams++;
    await this.call(encodeSetConfig(t));
  }

  private dump<T>(r: IpvsRequest, decode: (payload: Buffer) => T): Promise<T[]> {
    return this.conn.dump({ type: this.familyId, payload: r.payload, op: r.op }, (m) => decode(m.payload));
  }

  /** Every virtual service, with stats, without destinations (one GET_SERVICE dump). */
  async listServices(): Promise<TableService[]> {
    const { decodeServiceMsg } = await decoders();
    return this.dump(encodeGetServices(), decodeServiceMsg);
  }

  /**
   * The destinations of one service, with connection counters, and with traffic stats unless
   * `opts.stats` is false (GET_DEST dump; a missing service gives []). Each reply is decoded as it
   * arrives; no copy of the raw dump is kept.
   */
  async listDestinations(id: ServiceId, opts: TableReadOptions = {}): Promise<Destination[]> {
    const stats = opts.stats !== false;
    const { decodeDestMsg } = await decoders();
    return this.dump(encodeGetDests(id), (p) => decodeDestMsg(p, id.af, stats));
  }

  /** The whole table: one service dump, then one destination dump per service (see listDestinations for `opts`). */
  async readTable(opts: TableReadOptions = {}): Promise<IpvsTable> {
    const services = await this.listServices();
    for (const s of services) s.destinations = await this.listDestinations(s.id, opts);
    return { services };
  }

  /**
   * Applies ops in order, `perSend` per sendto, and returns one result per op. An op that cannot
   * be encoded fails alone (IpvsError 'IPVS_INVALID', never sent); a kernel refusal fails alone
   * (NetlinkError); the others still run.
   */
  async apply(ops: readonly Op[], opts: ApplyOptions = {}): Promise<OpResult[]> {
    const results: OpResult[] = new Array(ops.length);
    const sendable: Array<{ i: number; r: IpvsRequest }> = [];
    ops.forEach((op, i) => {
      try {
        sendable.push({ i, r: encodeOp(op) });
      } catch (e) {
        results[i] = { ok: false, error: e instanceof Error ? e : new IpvsError('IPVS_INVALID', String(e)) };
      }
    });
    const out = await this.applyRequests(
      sendable.map((x) => x.r),
      opts,
    );
    out.forEach((res, k) => (results[sendable[k].i] = res));
    return results;
  }

  /** Sends already-encoded write requests (from `encodeOp`), `perSend` per sendto; one result each, in order. */
  async applyRequests(reqs: readonly IpvsRequest[], opts: ApplyOptions = {}): Promise<OpResult[]> {
    const perSend = Math.max(1, opts.perSend ?? 100);
    this.writes += reqs.length;
    this.writeDatagrams += Math.ceil(reqs.length / perSend);
    const out = await this.conn.batch(
      reqs.map((r) => new FamilyRequest(this.familyId, r)),
      { perSend, timeoutMs: opts.timeoutMs },
    );
    return out.map((res) => (res.ok ? APPLIED : { ok: false, error: res.error }));
  }

  /**
   * Starts a sync daemon (NEW_DAEMON). Rejects with IpvsError 'IPVS_INVALID' for settings the
   * kernel would refuse or silently change (nothing is sent), or SyncDaemonError for a refusal.
   */
  async startDaemon(d: SyncDaemon): Promise<void> {
    const r = encodeNewDaemon(d);
    this.writes++;
    this.writeDatagrams++;
    await this.call(r).catch((e: unknown) => {
      throw e instanceof NetlinkError ? syncRefusal(e, d) : e;
    });
  }

  /** Stops the master or backup sync daemon (DEL_DAEMON); SyncDaemonError with reason ESRCH when none runs. */
  async stopDaemon(state: SyncState): Promise<void> {
    const r = encodeDelDaemon(state);
    this.writes++;
    this.writeDatagrams++;
    await this.call(r).catch((e: unknown) => {
      throw e instanceof NetlinkError ? syncRefusal(e, state) : e;
    });
  }

  /** The running sync daemons (GET_DAEMON dump): none, one or both, master first. */
  async listDaemons(): Promise<SyncDaemon[]> {
    const r = encodeGetDaemons();
    return this.dump(r, decodeDaemonMsg);
  }

  /** Removes every service (FLUSH). */
  async flush(): Promise<void> {
    await this.applyOne({ op: 'flush' });
  }

  /** Zeroes the counters of one service, or of all (ZERO). */
  async zero(id?: ServiceId): Promise<void> {
    await this.applyOne(id ? { op: 'zero', service: id } : { op: 'zero' });
  }

  private async applyOne(op: Op): Promise<void> {
    const [r] = await this.apply([op]);
    if (!r.ok) throw r.error;
  }

  /** Closes the socket (idempotent). */
  close(): void {
    this.conn.close();
  }
}
