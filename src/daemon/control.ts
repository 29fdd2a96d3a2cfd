/**
 * Maps control requests (src/control/protocol.ts) onto the daemon: status → the status report,
 * drain/enable → overrides, maintenance → the director's announcements, reload → the same reload as SIGHUP (a rejected config is an error
 * response with code ECONFIG listing every problem).
 */
import type { ControlRequest } from '../control/protocol.js';
import type { Daemon } from './daemon.js';
import { DaemonError } from './errors.js';

/** Answers one control request; throws DaemonError for client-visible failures. */
export async function handleRequest(d: Daemon, req: ControlRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'status':
      return d.status();
    case 'drain':
      return d.drain(req.vs, req.rs);
    case 'enable':
      return d.enable(req.vs, req.rs);
    case 'maintenance':
      return d.maintenance(req.on);
    case 'reload': {
      const r = await d.reload();
      if (r.ok) return r;
      const lines = r.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
      throw new DaemonError('ECONFIG', `config rejected, still running the previous one:\n${lines}`);
    }
  }
}
