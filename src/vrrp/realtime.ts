/**
 * Real-time scheduling for the VRRP thread (keepalived's `vrrp_rt_priority`): SCHED_RR at a low
 * real-time priority, so a host busy with other work (health checks in this process, anything
 * else on the machine) cannot delay an advert by a scheduler time slice. Applied to the calling
 * thread only (its TID from /proc/thread-self) with chrt(1), so no FFI is needed; the thread
 * blocks in epoll almost all the time, so it cannot starve the host.
 */
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** The kernel TID of the calling thread (main thread or worker). */
export function currentTid(): number {
  return Number(readlinkSync('/proc/thread-self').split('/').pop());
}

/** Puts the calling thread under SCHED_RR `priority` (1-99). Resolves to an error text instead of throwing. */
export function makeRealtime(priority: number): Promise<string | undefined> {
  const tid = currentTid();
  return new Promise((resolve) =>
    execFile('chrt', ['-r', '-p', String(priority), String(tid)], (err, _out, stderr) =>
      resolve(err ? `chrt -r -p ${priority} ${tid}: ${stderr.trim() || err.message}` : undefined),
    ),
  );
}
