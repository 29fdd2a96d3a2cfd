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
  type ControlRequest,
  type ControlResponse,
} from './protocol.js';

/** Handles one parsed request; throw ControlError for a client-visible error with a code. */
export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

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
  sock.setEncoding('utf8');
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: string) => {
    if (done) return;
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0 && buf.length <= MAX_REQUEST_BYTES) return;
    done = true;
    if (nl < 0) return reply(sock, fail(new ControlError('EBADREQ', 'request line too long')));
    void answer(buf.slice(0, nl), handler).then((res) => reply(sock, res));
  });
}

async function answer(line: string, handler: ControlHandler): Promise<ControlResponse> {
  try {
    return { ok: true, result: await handler(parseRequest(line)) };
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
