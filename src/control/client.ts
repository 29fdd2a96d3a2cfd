/**
 * The lvsctl side of the control socket: send one request, read one response line.
 * Errors are ControlError with codes: ENODAEMON (no socket / nobody listening), EACCES (socket
 * permissions), ETIMEDOUT, EBADRESP.
 */
import { connect } from 'node:net';
import { ControlError, decodeResponse, type ControlRequest, type ControlResponse } from './protocol.js';

/** Sends `req` to the daemon at `path`; resolves with its response or rejects with ControlError. */
export function request(path: string, req: ControlRequest, timeoutMs = 30_000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ControlError('ETIMEDOUT', `no answer from the daemon on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (c: string) => (buf += c));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // an answer already read (e.g. EBUSY) says more than the reset that followed it
      if (buf.includes('\n')) return settle(buf, resolve, reject);
      reject(connectError(path, e));
    });
    sock.on('end', () => {
      clearTimeout(timer);
      settle(buf, resolve, reject);
    });
  });
}

function settle(buf: string, resolve: (r: ControlResponse) => void, reject: (e: unknown) => void): void {
  try {
    resolve(decodeResponse(buf.trim()));
  } catch (e) {
    reject(e);
  }
}

function connectError(path: string, e: NodeJS.ErrnoException): ControlError {
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
    return new ControlError('ENODAEMON', `lvsd is not running (no daemon listening on ${path})`);
  }
  if (e.code === 'EPIPE' || e.code === 'ECONNRESET')
    return new ControlError(
      'EBUSY',
      `the daemon on ${path} closed the connection before answering (too many connections, or out of file descriptors?): try again`,
    );
  if (e.code === 'EACCES')
    return new ControlError(
      'EACCES',
      `permission denied on ${path} (the socket is mode 0600, or 0660 with global.control_socket_group: run as the daemon's user or a member of that group)`,
    );
  return new ControlError(e.code ?? 'EIO', `cannot talk to the daemon on ${path}: ${e.message}`);
}
