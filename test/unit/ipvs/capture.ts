/**
 * Reads the ipvsadm captures in test/fixtures/ipvs/*.strace (strace hex dumps of ipvsadm's own
 * netlink traffic inside UML, see capture.sh/trim.mjs) as a list of datagrams in order.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/ipvs');

/** The IPVS family id the kernel gave in the capture boot (seen in every request header). */
export const CAPTURED_FAMILY = 0x1c;

/** One datagram ipvsadm sent or received. */
export interface Datagram {
  dir: 'send' | 'recv';
  bytes: Buffer;
}

/** Datagrams of one capture (MSG_PEEK duplicates and GETFAMILY were trimmed when storing). */
export function readCapture(name: string): Datagram[] {
  return parseStrace(readFileSync(join(FIXTURES, `${name}.strace`), 'utf8'));
}

/** The datagrams of an strace hex dump (the text of a test/fixtures/ipvs/*.strace file). */
export function parseStrace(text: string): Datagram[] {
  const out: Datagram[] = [];
  let cur: Datagram | undefined;
  const hex: string[] = [];
  const flush = (): void => {
    if (cur) out.push({ dir: cur.dir, bytes: Buffer.from(hex.join(''), 'hex') });
    hex.length = 0;
  };
  for (const line of text.split('\n')) {
    const m = /^\d+\s+(sendmsg|sendto|recvmsg)\(/.exec(line);
    if (m) {
      flush();
      cur = { dir: m[1] === 'recvmsg' ? 'recv' : 'send', bytes: Buffer.alloc(0) };
    } else if (/^ \| [0-9a-f]{5} /.test(line)) hex.push(line.slice(10, 58).replace(/\s+/g, ''));
  }
  flush();
  return out;
}

/** A text fixture (ipvsadm's printed output captured in the same boot). */
export function readText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
