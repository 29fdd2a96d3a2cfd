/**
 * The checker contract. A checker only probes: the runner (scheduler.ts) owns timing, timeouts
 * (through the AbortSignal), retries and bookkeeping. A checker never throws and never rejects: every
 * failure becomes a ProbeResult with a reason a person understands.
 */
import type { z } from 'zod';

/** Where a probe goes: the real server's address/port after connect_ip/connect_port overrides. */
export interface ProbeTarget {
  /** Address to probe (IPv4 or IPv6 literal). */
  address: string;
  /** Port to probe (0 for kinds without ports: icmp, script). */
  port: number;
  /** The real server's own address and port (scripts receive them; reasons may name them). */
  server: { address: string; port: number };
  /** Local address to bind before connecting (bindto), if any. */
  bindto?: string;
  /** Timeout in ms the runner enforces through the signal (checkers use it only for wording). */
  timeoutMs: number;
}

/** The outcome of one probe. `detail` is a short human reason ("HTTP 503 from 10.0.0.2:8080/healthz"). */
export interface ProbeResult {
  ok: boolean;
  detail: string;
  /**
   * This host, not the server, failed the probe: it ran out of file descriptors, buffers or memory
   * (LOCAL_ERRNOS). The engine does not count such a result against the server.
   */
  local?: true;
  /** Dynamic weight (script checks in dynamic mode only). */
  weight?: number;
  /** Set by the runner when the attempt got no answer within the spec's timeout. */
  timedOut?: boolean;
}

/** One kind of health check: its name, the zod schema of its TOML block, and the probe. */
export interface Checker<S = unknown> {
  readonly kind: string;
  readonly schema: z.ZodType;
  /** Probes once. Must resolve (never reject) and must stop promptly when `signal` aborts. */
  probe(target: ProbeTarget, spec: S, signal: AbortSignal): Promise<ProbeResult>;
  /**
   * Optional callback form of `probe` for hot paths (no promise, no AbortSignal per probe): starts one
   * probe and returns its `stop`. Calls `done` exactly once (possibly before returning) unless `stop`
   * was called first; `stop` releases everything at once and may be called after `done` (no-op).
   * Never throws. When present, the runner uses it instead of `probe`, still owning the deadline.
   */
  start?(target: ProbeTarget, spec: S, done: (r: ProbeResult) => void): () => void;
  /** Words for a probe cut off at its deadline, e.g. "no HTTP response from 10.0.0.2:80/healthz"
   *  (the runner appends " within N ms"). Default: "no reply". */
  describeTimeout?(target: ProbeTarget, spec: S): string;
  /** Releases shared resources (sockets); called by the engine's stop(). */
  close?(): void;
}

/** "host:port" with IPv6 in brackets, for reasons. */
export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Errno codes that say this host ran out of something; a probe failing with one says nothing about the server. */
export const LOCAL_ERRNOS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

/** True for an error (or its cause) whose code is one of LOCAL_ERRNOS. */
export function isLocalError(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return LOCAL_ERRNOS.has(String(e?.code)) || LOCAL_ERRNOS.has(String(e?.cause?.code));
}

/** A failed result; marked `local` (and said so) when `err` is a local resource error. */
export function failure(detail: string, err?: unknown): ProbeResult {
  if (!isLocalError(err)) return { ok: false, detail };
  return { ok: false, detail: `${detail} (local resource error: not counted against the server)`, local: true };
}

/** Turns any thrown value into a short reason, preferring the errno-style code ("connect ECONNREFUSED"). */
export function describeError(what: string, err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: unknown; name?: string } | undefined;
  if (e?.cause && typeof e.cause === 'object' && (e.cause as { code?: string }).code)
    return describeError(what, e.cause);
  if (e?.code && /^E[A-Z0-9_]+$/.test(e.code) && !e.code.startsWith('ERR_')) return `${what} ${e.code}`;
  if (e?.code) return `${what} ${e.code}: ${e.message ?? ''}`.trim();
  return `${what} failed: ${e?.message ?? String(err)}`;
}
