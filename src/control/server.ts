/**
 * The daemon side of the control socket: a unix stream server (mode 0600) answering one JSON
 * request line per connection (see protocol.ts). A stale socket file left by a crashed daemon is
 * removed at start; a socket another live daemon answers on is NOT (start fails with EADDRINUSE).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
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

  /** Listens on `path` (parent dirs created, mode 0700 when made); removes a stale socket first. */
  static async listen(path: string, handler: ControlHandler): Promise<ControlServer> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    await removeStale(path);
    const server = createServer((sock) => serve(sock, handler));
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
    ensureMode(path);
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

function ensureMode(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch (e) {
    if ((statSync(path).mode & 0o777) !== 0o600) throw e;
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

function serve(sock: Socket, handler: ControlHandler): void {
  let buf = '';
  let done = false;
  const level = peerUid(sock).then((uid) => connectionLevel(uid, process.geteuid?.() ?? 0));
  sock.setEncoding('utf8');
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: string) => {
    if (done) return;
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0 && buf.length <= MAX_REQUEST_BYTES) return;
    done = true;
    if (nl < 0) return reply(sock, fail(new ControlError('EBADREQ', 'request line too long')));
    void level.then((lv) => answer(buf.slice(0, nl), handler, lv)).then((res) => reply(sock, res));
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

function reply(sock: Socket, res: ControlResponse): void {
  if (!sock.destroyed) sock.end(encodeResponse(res));
}
