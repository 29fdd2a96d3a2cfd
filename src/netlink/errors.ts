/**
 * The netlink layer's errors. One class for a kernel (or deadline) refusal, one for bytes that do not
 * parse. Callers branch on the stable `code`: `e instanceof NetlinkError && e.code === 'EEXIST'`.
 */
import { ERRNO, errnoName, errnoText } from '../../native/errno.js';

/**
 * A request the kernel refused (NLMSG_ERROR with a negative errno) or that timed out.
 * `code` is the errno name ('EEXIST', 'ENOENT', 'ESRCH', 'EPERM', 'ETIMEDOUT', ...), `errno` the
 * positive number, `op` names the operation ('IPVS_CMD_NEW_DEST 10.0.0.2:8080'), `extack` is the
 * kernel's extended-ack message when it sent one. An EPERM message names CAP_NET_ADMIN.
 */
export class NetlinkError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly op: string;
  declare readonly extack?: string;

  constructor(errno: number, op: string, extack?: string) {
    const n = Math.abs(errno);
    const code = errnoName(n);
    super(`${op}: ${code} (${describe(n)})${extack ? ': ' + extack : ''}`);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = n;
    this.op = op;
    if (extack) this.extack = extack;
  }
}

function describe(errno: number): string {
  const text = errnoText(errno);
  if (errno === ERRNO.EPERM || errno === ERRNO.EACCES)
    return `${text}; netlink writes need CAP_NET_ADMIN (run as root)`;
  return text;
}

/**
 * Bytes that are not a well-formed netlink message or attribute (a length that runs past the
 * buffer, a header too short, a value of the wrong size). `offset` is where in the buffer, if known.
 * Code is always 'EBADMSG'. Nothing received from the kernel may raise anything else while decoding.
 */
export class NetlinkDecodeError extends Error {
  readonly code = 'EBADMSG';
  declare readonly offset?: number;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'NetlinkDecodeError';
    if (offset !== undefined) this.offset = offset;
  }
}
