/**
 * The daemon side of the control socket: a unix stream server answering one JSON request line per
 * connection (see protocol.ts). A stale socket file left by a crashed daemon is removed at start; a
 * socket another live daemon answers on is NOT (start fails with EADDRINUSE).
 * Who can connect: the socket is mode 0600 (its owner only), or 0660 with `group` (that group too);
 * a peer that is neither root nor the daemon's user gets the read-only user level (SO_PEERCRED).
 * What one client can hold: at most `CONTROL_LIMITS.connections` connections at once (more are
 * answered EBUSY and closed), and a connection that has not sent its request line within
 * `CONTROL_LIMITS.idleMs` (or does not read its answer within it) is closed: a local user cannot
 * use up the daemon's file descriptors, which its probes need.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ControlError,
  MAX_REQUEST_BYTES,
  encodeResponse,
  parseRequest,
  levelNeeded,
  type ControlRequest,
  type ControlResponse,
  type Level,
} from './protocol.js';

/** Handles one parsed request; throw ControlError for a client-visible error with a code. */
export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

/** Limits per control socket (lvsctl sends one short line at once and reads one answer). */
export const CONTROL_LIMITS = {
  /** Connections open at once; one more is answered EBUSY and closed. */
  connections: 32,
  /** Longest a connection may stay silent before its request line, or not read its answer. */
  idleMs: 5_000,
};

/** Options of ControlServer.listen. */
export interface ControlListenOptions {
  /** A group id whose members may connect too (socket mode 0660 instead of 0600). */
  group?: number;
  /** Overrides CONTROL_LIMITS (tests). */
  limits?: Partial<typeof CONTROL_LIMITS>;
}

/**
 * The level of one connection from its peer's uid (SO_PEERCRED, recorded by the kernel at connect):
 * root and the daemon's own user are admin; anyone else the socket's permissions let in (a group
 * the operator gave it) is user, read-only. Pure.
 */
export function connectionLevel(peerUid: number | undefined, daemonUid: number): Level {
  return peerUid === 0 || peerUid === daemonUid ? 'admin' : 'user';
}

/** The peer's uid of an accepted unix connection; undefined when it cannot be read (then: user level). */
async function peerUid(sock: Socket): Promise<number | undefined> {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  try {
    const { peerCredentials } = await import('../../native/peercred.js');
    return peerCredentials(fd).uid;
  } catch {
    return undefined;
  }
}

/** A listening control socket. */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  /**
   * Listens on `path` (parent dirs created when missing: mode 0700, or 0710 owned by `group` so its
   * members can reach the socket); removes a stale socket first.
   */
  static async listen(path: string, handler: ControlHandler, o: ControlListenOptions = {}): Promise<ControlServer> {
    const made = mkdirSync(dirname(path), { recursive: true, mode: o.group === undefined ? 0o700 : 0o710 });
    if (made !== undefined && o.group !== undefined) chownSync(dirname(path), -1, o.group);
    await removeStale(path);
    const limits = { ...CONTROL_LIMITS, ...o.limits };
    let open = 0;
    const server = createServer((sock) => {
      open++;
      sock.once('close', () => open--);
      if (open > limits.connections) return busy(sock, limits.connections);
      serve(sock, handler, limits.idleMs);
    });
    // umask makes the socket 0600 from birth (no window where others could connect); the chmod
    // after is belt and braces and may fail on file systems that map owners (hostfs) — then the
    // mode must already be right.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(umask);
    }
    if (o.group !== undefined) chownSync(path, -1, o.group);
    ensureMode(path, o.group === undefined ? 0o600 : 0o660);
    return new ControlServer(server, path);
  }

  /** Stops listening and removes the socket file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

function ensureMode(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (e) {
    if ((statSync(path).mode & 0o777) !== mode) throw e;
  }
}

async function removeStale(path: string): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) throw new ControlError('EEXIST', `${path} exists and is not a socket`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  if (alive) throw new ControlError('EADDRINUSE', `another daemon is answering on ${path}`);
  unlinkSync(path);
}

function busy(sock: Socket, max: number): void {
  sock.on('error', () => sock.destroy());
  sock.setTimeout(1000, () => sock.destroy());
  reply(sock, fail(new ControlError('EBUSY', `the daemon has ${max} control connections open already; try again`)));
}

function serve(sock: Socket, handler: ControlHandler, idleMs: number): void {
  let buf = '';
  let done = false;
  const level = peerUid(sock).then((uid) => connectionLevel(uid, process.geteuid?.() ?? 0));
  sock.setEncoding('utf8');
  sock.on('error', () => sock.destroy());
  // before the request line, and again while the answer is written (re-armed by reply)
  sock.setTimeout(idleMs, () => sock.destroy());
  sock.on('data', (chunk: string) => {
    if (done) return;
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0 && buf.length <= MAX_REQUEST_BYTES) return;
    done = true;
    sock.setTimeout(0); // the daemon is working on it: a reload may take longer than idleMs
    if (nl < 0) return reply(sock, fail(new ControlError('EBADREQ', 'request line too long')), idleMs);
    void level.then((lv) => answer(buf.slice(0, nl), handler, lv)).then((res) => reply(sock, res, idleMs));
  });
}

async function answer(line: string, handler: ControlHandler, level: Level): Promise<ControlResponse> {
  try {
    const req = parseRequest(line);
    if (levelNeeded(req) === 'admin' && level !== 'admin')
      throw new ControlError(
        'EPERM',
        `"${req.cmd}" changes the daemon and needs the admin level; this connection is read-only (user level): run it as root or as lvsd's own user`,
      );
    return { ok: true, result: await handler(req) };
  } catch (e) {
    return fail(e);
  }
}

function fail(e: unknown): ControlResponse {
  if (e instanceof ControlError) return { ok: false, error: { code: e.code, message: e.message } };
  return { ok: false, error: { code: 'EINTERNAL', message: e instanceof Error ? e.message : String(e) } };
}

function reply(sock: Socket, res: ControlResponse, idleMs?: number): void {
  if (sock.destroyed) return;
  if (idleMs !== undefined) sock.setTimeout(idleMs, () => sock.destroy());
  sock.end(encodeResponse(res));
}
