/**
 * Process-wide protections the daemon sets at start, through libc (Node has no API for them):
 *  - not dumpable (prctl PR_SET_DUMPABLE 0): no core dump with the process's memory, no ptrace
 *    attach by other processes of the same user, /proc/PID/{environ,mem,fd} owned by root;
 *  - RLIMIT_CORE 0, for the same reason where the dumpable bit is reset (it is, at execve);
 *  - RLIMIT_NOFILE's soft limit raised to its hard limit, so probes have descriptors to spare.
 * Each returns what it did or throws an Error naming the errno.
 */
import { errnoName } from './errno.js';
import { errno, getrlimit, prctl, setrlimit } from './libc.js';

const PR_SET_DUMPABLE = 4;
const PR_GET_DUMPABLE = 3;
const RLIMIT_CORE = 4;
const RLIMIT_NOFILE = 7;

/** Soft and hard limit of one resource (RLIM_INFINITY = 2^64-1). */
export interface Rlimit {
  soft: bigint;
  hard: bigint;
}

function fail(call: string): never {
  const code = errnoName(errno());
  throw Object.assign(new Error(`${call}: ${code}`), { code });
}

/** Marks the process not dumpable; returns the dumpable value read back (0). */
export function setNotDumpable(): number {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) !== 0) fail('prctl(PR_SET_DUMPABLE)');
  return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) as number;
}

function get(resource: number, name: string): Rlimit {
  const b = Buffer.alloc(16);
  if (getrlimit(resource, b) !== 0) fail(`getrlimit(${name})`);
  return { soft: b.readBigUInt64LE(0), hard: b.readBigUInt64LE(8) };
}

function set(resource: number, name: string, l: Rlimit): void {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(l.soft, 0);
  b.writeBigUInt64LE(l.hard, 8);
  if (setrlimit(resource, b) !== 0) fail(`setrlimit(${name})`);
}

/** Sets RLIMIT_CORE to 0 (soft and hard). */
export function disableCoreDumps(): void {
  set(RLIMIT_CORE, 'RLIMIT_CORE', { soft: 0n, hard: 0n });
}

/** Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the limits now in force. */
export function raiseFileLimit(): Rlimit {
  const l = get(RLIMIT_NOFILE, 'RLIMIT_NOFILE');
  if (l.soft < l.hard) set(RLIMIT_NOFILE, 'RLIMIT_NOFILE', { soft: l.hard, hard: l.hard });
  return get(RLIMIT_NOFILE, 'RLIMIT_NOFILE');
}
