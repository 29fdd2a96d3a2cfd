/**
 * Reading a file lvsd is told to read (the config, the state file, a CA bundle) without letting that
 * file hang or bloat the daemon: it is opened non-blocking, so a FIFO neither blocks the open nor is
 * read; anything but a regular file is refused (code ENOTREG: a FIFO, /dev/zero, a socket), and so
 * is a file longer than the caller's maximum (code EFBIG; the read stops at max + 1 bytes whatever
 * size the file claims). Errors are Node's errno errors otherwise (ENOENT, EACCES, EISDIR).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** The text (UTF-8) of the regular file at `path`, of at most `max` bytes. */
export async function readRegularFile(path: string, max: number): Promise<string> {
  const fh = await open(path, FLAGS);
  try {
    const buf = bufferFor(await fh.stat(), max);
    let n = 0;
    for (let r; n < buf.length && (r = await fh.read(buf, n, buf.length - n, n)).bytesRead > 0;) n += r.bytesRead;
    return textOf(buf, n, max);
  } finally {
    await fh.close();
  }
}

/** readRegularFile, synchronously (small files read at start). */
export function readRegularFileSync(path: string, max: number): string {
  const fd = openSync(path, FLAGS);
  try {
    const buf = bufferFor(fstatSync(fd), max);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, n)) > 0;) n += r;
    return textOf(buf, n, max);
  } finally {
    closeSync(fd);
  }
}

function bufferFor(st: Stats, max: number): Buffer {
  if (st.isDirectory()) throw Object.assign(new Error('it is a directory, not a file'), { code: 'EISDIR' });
  if (!st.isFile()) throw Object.assign(new Error(`it is ${kindOf(st)}, not a regular file`), { code: 'ENOTREG' });
  return Buffer.alloc(Math.min(st.size, max) + 1);
}

function textOf(buf: Buffer, n: number, max: number): string {
  if (n > max) throw Object.assign(new Error(`it is larger than ${max} bytes`), { code: 'EFBIG' });
  return buf.toString('utf8', 0, n);
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}
